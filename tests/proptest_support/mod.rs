//! The property tests' shared configuration.

use proptest::test_runner::Config as ProptestConfig;

/// `default` cases, or `PROPTEST_CASES` when set (to run more in a soak).
pub fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(cases)
}
