namespace SchedTrace.Measures;

/// <summary>
/// A measure's figures read at one instant (<see cref="Measure.Read"/>), stamped by the session;
/// <paramref name="Final"/> when read at the session's stop.
/// </summary>
internal sealed record MeasureReading<T>(DateTime Utc, long Timestamp, T Figures, bool Final = false);

/// <summary>
/// The records a measure's stream held when taken (<see cref="Measure.OpenStream"/>), in the
/// order the kernel reserved them, and the session's counters read right after the drain.
/// </summary>
internal sealed record StreamTake<T>(IReadOnlyList<T> Records, SessionCounters Counters);
