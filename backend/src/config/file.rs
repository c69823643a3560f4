//! `herald serve --config FILE`: the options in a TOML file, one key per
//! flag of `herald serve` without its dashes, for a deployment that keeps
//! its settings in a file under review rather than in a unit's flags:
//!
//! ```toml
//! addr = "0.0.0.0:3000"
//! allowed-host = ["push.example.com", "push.internal"]
//! history-bytes = 67108864
//! redis-wait = true
//! ```
//!
//! A flag on the command line wins over its `HERALD_*` variable, which wins
//! over the file, which wins over the default. The file is read into flags
//! put before the command line's ([`with_file`]), so clap checks its values
//! as it checks the command line's and names the flag at fault; a key that
//! is no flag, or a value that is no flag's (a table, a float where a number
//! of bytes goes), is refused with the file's name before anything starts.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};

use clap::{ArgAction, CommandFactory};
use toml_edit::{Document, Item, Value};

use super::Config;

/// The flag naming the file, and its variable.
const FLAG: &str = "config";
/// The variable naming the file when the flag does not.
const VARIABLE: &str = "HERALD_CONFIG";

/// Why the file's options cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// The file cannot be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML.
    #[error("the configuration file {path} is not TOML: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with the line and column.
        message: String,
    },
    /// A key names no option of `herald serve`.
    #[error(
        "the configuration file {path} sets `{key}`, which is no option of `herald serve` \
         (keys are its flags without the dashes, as `history-bytes`)"
    )]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
    },
    /// A value is of a kind no option takes.
    #[error("the configuration file {path} sets `{key}` to {found}; {expected}")]
    Value {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// What the file holds there.
        found: String,
        /// What the option takes.
        expected: &'static str,
    },
}

/// `args` (a command line, program name first, whose options are
/// `herald serve`'s after `serve`) with the options of the configuration
/// file put before its own: the file named by `--config FILE` there, else by
/// `HERALD_CONFIG` in `environment`. An option whose flag is on the command
/// line, or whose variable `environment` sets, is left out of the file's,
/// so those win. Without a file, `args` as they are.
///
/// # Errors
/// [`ConfigFileError`] when the file cannot be read, is not TOML, or sets
/// what no option takes.
pub fn with_file(
    args: Vec<OsString>,
    environment: impl Fn(&OsStr) -> Option<OsString>,
) -> Result<Vec<OsString>, ConfigFileError> {
    let Some(serve) = args.iter().position(|arg| arg == "serve") else {
        return Ok(args);
    };
    let flags = args.get(serve + 1..).unwrap_or_default();
    let Some(path) =
        named_file(flags).or_else(|| environment(OsStr::new(VARIABLE)).map(PathBuf::from))
    else {
        return Ok(args);
    };
    let from_file = options(&path, flags, &environment)?;
    let mut joined = args;
    joined.splice(serve + 1..serve + 1, from_file);
    Ok(joined)
}

/// The file `--config FILE` (or `--config=FILE`) names among `flags`.
fn named_file(flags: &[OsString]) -> Option<PathBuf> {
    let long = format!("--{FLAG}");
    let prefix = format!("--{FLAG}=");
    flags.iter().enumerate().find_map(|(index, flag)| {
        let flag = flag.to_str()?;
        if flag == long {
            flags.get(index + 1).map(PathBuf::from)
        } else {
            flag.strip_prefix(&prefix).map(PathBuf::from)
        }
    })
}

/// The flags the file at `path` sets, less those `flags` or `environment`
/// set.
fn options(
    path: &Path,
    flags: &[OsString],
    environment: &impl Fn(&OsStr) -> Option<OsString>,
) -> Result<Vec<OsString>, ConfigFileError> {
    let text = fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let document: Document =
        text.parse()
            .map_err(|error: toml_edit::TomlError| ConfigFileError::Syntax {
                path: path.to_owned(),
                message: error.to_string().trim().to_owned(),
            })?;
    let command = Config::command();
    let mut from_file = Vec::new();
    for (key, item) in document.iter() {
        let unknown = || ConfigFileError::UnknownKey {
            path: path.to_owned(),
            key: key.to_owned(),
        };
        let arg = command
            .get_arguments()
            .find(|arg| arg.get_long() == Some(key))
            .filter(|_| key != FLAG)
            .ok_or_else(unknown)?;
        let on_command_line = flags.iter().any(|flag| {
            flag.to_str().is_some_and(|flag| {
                flag == format!("--{key}") || flag.starts_with(&format!("--{key}="))
            })
        });
        let in_environment = arg
            .get_env()
            .is_some_and(|name| environment(name).is_some());
        if on_command_line || in_environment {
            continue;
        }
        let switch = matches!(arg.get_action(), ArgAction::SetTrue);
        let flag = format!("--{key}");
        let refuse = |found: &Item, expected| ConfigFileError::Value {
            path: path.to_owned(),
            key: key.to_owned(),
            found: describe(found),
            expected,
        };
        match item.as_value() {
            Some(Value::Boolean(on)) if switch => {
                if *on.value() {
                    from_file.push(OsString::from(flag));
                }
            }
            _ if switch => return Err(refuse(item, "it is a switch: true or false")),
            Some(Value::Array(values)) => {
                for value in values {
                    let value = scalar(value)
                        .ok_or_else(|| refuse(item, "a list holds strings or whole numbers"))?;
                    from_file.extend([OsString::from(&flag), OsString::from(value)]);
                }
            }
            Some(value) => {
                let value = scalar(value)
                    .ok_or_else(|| refuse(item, "it takes a string or a whole number"))?;
                from_file.extend([OsString::from(flag), OsString::from(value)]);
            }
            None => return Err(refuse(item, "it takes a string, a number or a list")),
        }
    }
    Ok(from_file)
}

/// A string or whole number as its flag's value.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.value().clone()),
        Value::Integer(number) => Some(number.value().to_string()),
        _ => None,
    }
}

/// What a refused value is, for the message.
fn describe(item: &Item) -> String {
    match item {
        Item::Value(value) => format!("{} `{}`", value.type_name(), value.to_string().trim()),
        Item::Table(_) | Item::ArrayOfTables(_) => "a table".to_owned(),
        Item::None => "nothing".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "herald-config-{}-{}.toml",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::write(&path, text).unwrap();
        path
    }

    fn args(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    fn no_environment(_: &OsStr) -> Option<OsString> {
        None
    }

    fn config(args: Vec<OsString>) -> Config {
        let flags = args.into_iter().skip(2);
        Config::from_flags(flags).unwrap()
    }

    #[test]
    fn the_files_options_come_before_the_command_lines_which_win() {
        let path = file(
            "max-body = 4096\nhistory = 10\nallowed-host = [\"a.example\", \"b.example\"]\n\
             no-hub-stats = true\nno-tcp-nodelay = false\n",
        );
        let path_text = path.to_str().unwrap();
        let joined = with_file(
            args(&["herald", "serve", "--config", path_text, "--history", "99"]),
            no_environment,
        )
        .unwrap();
        let config = config(joined);
        assert_eq!(config.max_body, 4096);
        assert_eq!(config.history, 99, "the command line wins");
        assert_eq!(config.allowed_hosts, ["a.example", "b.example"]);
        assert!(config.no_hub_stats);
        assert!(!config.no_tcp_nodelay);
        fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_variable_set_wins_over_the_file_and_the_variable_can_name_it() {
        let path = file("max-body = 4096\nhistory = 10\n");
        let path_text = path.to_str().unwrap().to_owned();
        let environment = move |name: &OsStr| match name.to_str() {
            Some("HERALD_CONFIG") => Some(OsString::from(&path_text)),
            Some("HERALD_MAX_BODY") => Some(OsString::from("1")),
            _ => None,
        };
        let joined = with_file(args(&["herald", "serve"]), environment).unwrap();
        assert_eq!(joined, args(&["herald", "serve", "--history", "10"]));
        fs::remove_file(path).unwrap();
    }

    #[test]
    fn without_a_file_the_command_line_is_unchanged() {
        let line = args(&["herald", "serve", "--history", "5"]);
        assert_eq!(with_file(line.clone(), no_environment).unwrap(), line);
        let token = args(&["herald", "token", "--subscribe", "a"]);
        assert_eq!(with_file(token.clone(), no_environment).unwrap(), token);
    }

    #[test]
    fn what_no_option_takes_is_refused_naming_the_file_and_the_key() {
        for (text, wanted) in [
            ("histroy = 10\n", "sets `histroy`, which is no option"),
            (
                "config = \"other.toml\"\n",
                "sets `config`, which is no option",
            ),
            (
                "max-body = 1.5\n",
                "sets `max-body` to float `1.5`; it takes a string",
            ),
            ("no-hub-stats = \"yes\"\n", "it is a switch: true or false"),
            ("[history]\nlength = 1\n", "sets `history` to a table"),
            ("history = \n", "is not TOML"),
        ] {
            let path = file(text);
            let path_text = path.to_str().unwrap();
            let error = with_file(
                args(&["herald", "serve", "--config", path_text]),
                no_environment,
            )
            .unwrap_err()
            .to_string();
            assert!(error.contains(wanted), "{text:?}: {error}");
            assert!(error.contains(path_text), "{text:?}: {error}");
            fs::remove_file(path).unwrap();
        }
        let missing = with_file(
            args(&["herald", "serve", "--config=/nonexistent/herald.toml"]),
            no_environment,
        )
        .unwrap_err();
        assert!(
            missing
                .to_string()
                .starts_with("cannot read the configuration file /nonexistent/herald.toml"),
            "{missing}"
        );
    }

    #[test]
    fn a_bad_value_is_refused_by_clap_naming_the_flag() {
        let path = file("keepalive = 0\n");
        let joined = with_file(
            args(&["herald", "serve", "--config", path.to_str().unwrap()]),
            no_environment,
        )
        .unwrap();
        let error = Config::from_flags(joined.into_iter().skip(2)).unwrap_err();
        assert!(error.to_string().contains("--keepalive"), "{error}");
        fs::remove_file(path).unwrap();
    }
}
