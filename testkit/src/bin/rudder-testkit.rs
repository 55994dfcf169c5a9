//! `rudder-testkit`: a throwaway fake cluster from the command line (the
//! `serve` command lands with the fake cluster).
fn main() {}
