//! `ferry-node`: a storage node. Parses arguments, runs the command and exits with the code
//! the library chose ([`ferry::node::command`]).

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(ferry::node::command::execute())
}
