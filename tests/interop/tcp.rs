//! Node's `net` against our `tcp-server` and `tcp-client`: the notes' two programs
//! (`tests/interop/node/tcp-*.js`, errata fixed), mixed and matched. Each side's stdout must
//! equal what the same side printed in the all-Node run.

use crate::common::{Finished, Running};
use crate::{mask_port, node};

/// What one pairing printed: the server's stdout (port masked) and the client's stdout.
#[derive(Debug, PartialEq)]
struct Transcript {
    server: Vec<String>,
    client: Vec<String>,
}

fn start_server(ours: bool) -> (Running, u16) {
    let mut server = if ours {
        Running::bin("tcp-server", &["--port", "0", "--quiet"])
    } else {
        node("tcp-server.js", &["0"])
    };
    let port = server.listening_port();
    (server, port)
}

fn run_client(ours: bool, port: u16) -> Finished {
    let port = port.to_string();
    let mut client = if ours {
        Running::bin("tcp-client", &["--port", &port, "--quiet"])
    } else {
        node("tcp-client.js", &[&port])
    };
    client.close_stdin();
    client.finish()
}

fn transcript(server_is_ours: bool, client_is_ours: bool) -> Transcript {
    let (mut server, port) = start_server(server_is_ours);
    let client = run_client(client_is_ours, port);
    assert!(client.status.success(), "{client:?}");
    // The server prints 断开连接 on the client's end; then it keeps listening.
    server.wait_out(|line| line == "断开连接");
    let server = server.kill();
    Transcript {
        server: server.out.iter().map(|l| mask_port(l, port)).collect(),
        client: client.out,
    }
}

#[test]
fn node_runs_the_notes_programs_as_the_command_line_page_says() {
    let all_node = transcript(false, false);
    assert_eq!(
        all_node,
        Transcript {
            server: vec![
                "server start listen port PORT !".to_string(),
                "断开连接".to_string()
            ],
            client: vec![
                "client connected !".to_string(),
                "<Buffer 68 65 6c 6c 6f>".to_string(),
                "此连接结束".to_string()
            ],
        }
    );
}

#[test]
fn node_client_against_our_server_prints_what_it_prints_against_node() {
    assert_eq!(transcript(true, false), transcript(false, false));
}

#[test]
fn our_client_against_node_server_prints_what_node_client_prints() {
    assert_eq!(transcript(false, true), transcript(false, false));
}
