namespace SchedTrace.Measures;

/// <summary>
/// A measure's figures read at one instant (<see cref="Measure.Read"/>), stamped by the session;
/// <paramref name="Final"/> when read at the session's stop.
/// </summary>
internal sealed record MeasureReading<T>(DateTime Utc, long Timestamp, T Figures, bool Final = false);
