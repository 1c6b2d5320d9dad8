//! Simulated time: microseconds since the start of the simulation.
//!
//! The simulator never reads a real clock. Its time is the node's own
//! [`ipv8_proto::time::Instant`] (microseconds since the origin), re-exported as `SimTime`, so
//! the simulator hands its clock to the nodes unchanged.

pub use ipv8_proto::time::Instant as SimTime;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn arithmetic_and_display() {
        let t = SimTime::from_millis(1_500) + Duration::from_micros(7);
        assert_eq!(t.as_micros(), 1_500_007);
        assert_eq!(t.to_string(), "1.500007s");
        assert_eq!(t - SimTime::from_secs(1), Duration::from_micros(500_007));
        assert_eq!(SimTime::ZERO - t, Duration::ZERO);
        assert_eq!(SimTime::from_secs_f64(-1.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(2.25), SimTime::from_millis(2_250));
        assert_eq!(SimTime::MAX + Duration::from_secs(1), SimTime::MAX);
    }
}
