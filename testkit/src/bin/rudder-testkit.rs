//! `rudder-testkit`: a throwaway fake cluster from the command line.
fn main() {}
