//! Nchan, the nginx module that relays published messages to SSE
//! subscribers: the established server the benchmark holds Herald against.
//! It runs from Debian's packages with a configuration written here, which
//! maps Herald's routes onto Nchan's channels so the load tool drives both
//! alike.

use std::path::Path;

use crate::tools;

/// Debian's packages Nchan needs, by the file each installs.
pub(crate) const PACKAGES: [(&str, &str); 2] = [
    ("nginx-light", tools::NGINX),
    ("libnginx-mod-nchan", tools::NCHAN_MODULE),
];

/// The open files nginx and each worker may have, and the connections a
/// worker takes: room for the idle run's streams on either worker.
const CONNECTIONS: u32 = 20_000;

/// nginx's configuration for Nchan on `port`, keeping every file it writes
/// (pid, logs, request bodies) in `dir`.
///
/// Publishing is `POST /api/topics/{topic}` as on Herald, the channel named
/// by the rest of the path; Nchan answers 201 or 202 and relays the body
/// as it was published, so subscribers get the bare payload, not Herald's
/// envelope. Streams are `GET /api/events?topic=…` with the channel named
/// by the one `topic` parameter (Nchan answers a stream only for a client
/// that accepts `text/event-stream`, as `EventSource` does). Two workers
/// match the two threads Herald's runtime has on a two-core machine.
///
/// The paths are `herald_wire::protocol`'s (`publish_path`, `EVENTS_PATH`,
/// `TOPIC_PARAM`) spelled out, since the xtask depends on std and anyhow
/// only; the test pins them.
pub(crate) fn config(dir: &Path, port: u16) -> String {
    let dir = dir.display();
    let module = tools::NCHAN_MODULE;
    format!(
        "load_module {module};
daemon off;
master_process on;
worker_processes 2;
worker_rlimit_nofile {CONNECTIONS};
error_log {dir}/error.log;
pid {dir}/nginx.pid;
events {{
    worker_connections {CONNECTIONS};
}}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location ~ ^/api/topics/(.+)$ {{
            nchan_publisher;
            nchan_channel_id $1;
        }}
        location = /api/events {{
            nchan_subscriber eventsource;
            nchan_channel_id $arg_topic;
            nchan_subscriber_first_message newest;
        }}
    }}
}}
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_maps_herald_routes_to_channels_and_keeps_files_in_its_dir() {
        let config = config(Path::new("/tmp/bench"), 4123);
        assert!(config.starts_with("load_module /usr/lib/nginx/modules/ngx_nchan_module.so;\n"));
        assert!(config.contains("listen 127.0.0.1:4123;"));
        assert!(config.contains("pid /tmp/bench/nginx.pid;"));
        assert!(config.contains("error_log /tmp/bench/error.log;"));
        // The routes are Herald's, from `herald_wire::protocol`.
        assert!(config.contains("location ~ ^/api/topics/(.+)$ {"));
        assert!(config.contains("location = /api/events {"));
        assert!(config.contains("nchan_channel_id $arg_topic;"));
        assert_eq!(config.matches('{').count(), config.matches('}').count());
    }
}
