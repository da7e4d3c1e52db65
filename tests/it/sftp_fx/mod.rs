//! A real OpenSSH server for the SFTP tests: `sshd` from Debian's openssh-server (installed by
//! .ci/run) started in the foreground on a free loopback port with a config, a generated host
//! key and the test user's authorized key all in a temporary folder, and killed on drop.
//!
//! What makes sshd run outside its usual set-up: `AuthorizedKeysFile` pointing into the temp
//! folder, `StrictModes no` (the temp folder is world-writable /tmp), `UsePAM no` (no PAM
//! session for a test login), `internal-sftp` (no sftp-server path to find) and, when the tests
//! run as root (CI), the privilege separation folder /run/sshd, which sshd requires and a clean
//! container lacks. Also a TCP proxy that can drop every connection it carries.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use medbill::claims::sftp::settings::{AfterDownload, KnownHost, SftpAuth, SftpSettings};

const SSHD: &str = "/usr/sbin/sshd";

/// Makes an ed25519 key pair at `path` (and `path.pub`).
pub fn keygen(path: &Path) {
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "medbill-test", "-f"])
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .expect("ssh-keygen (openssh-client) is needed for the SFTP tests");
    assert!(st.success());
}

/// The current user's login name.
pub fn user_name() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A free loopback port (bound and released: sshd binds it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_listening(port: u16) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "sshd did not start listening on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running sshd.
pub struct SshServer {
    /// The temp folder (keys, config, log, and the `inbound`, `outbound` folders).
    pub dir: PathBuf,
    /// Its port.
    pub port: u16,
    /// The known-hosts line of its host key.
    pub known_host: String,
    /// The test user's private key.
    pub key_file: PathBuf,
    /// Remote inbound folder (absolute: the server's file system is this machine's).
    pub inbound: PathBuf,
    /// Remote outbound folder.
    pub outbound: PathBuf,
    child: Child,
}

impl SshServer {
    /// Starts a server with fresh keys and empty `inbound` and `outbound` folders.
    pub fn start() -> SshServer {
        let dir =
            std::env::temp_dir().join(format!("medbill-sshd-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        keygen(&dir.join("host_key"));
        keygen(&dir.join("user_key"));
        std::fs::copy(dir.join("user_key.pub"), dir.join("authorized_keys")).unwrap();
        let (inbound, outbound) = (dir.join("inbound"), dir.join("outbound"));
        std::fs::create_dir_all(&inbound).unwrap();
        std::fs::create_dir_all(&outbound).unwrap();
        let port = free_port();
        let child = Self::spawn(&dir, port);
        let host_pub = std::fs::read_to_string(dir.join("host_key.pub")).unwrap();
        SshServer {
            known_host: format!("[127.0.0.1]:{port} {}", host_pub.trim()),
            key_file: dir.join("user_key"),
            dir,
            port,
            inbound,
            outbound,
            child,
        }
    }

    fn spawn(dir: &Path, port: u16) -> Child {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: apt-get install openssh-server (.ci/run does)"
        );
        if Command::new("id").arg("-u").output().unwrap().stdout == b"0\n" {
            std::fs::create_dir_all("/run/sshd").unwrap();
        }
        let d = dir.display();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\n\
             MaxStartups 100\nLogLevel ERROR\n"
        );
        std::fs::write(dir.join("sshd_config"), config).unwrap();
        let log = std::fs::File::create(dir.join("sshd.log")).unwrap();
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(dir.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        wait_listening(port);
        child
    }

    /// Settings for this server (key auth, delete after download, 10 s timeout).
    pub fn settings(&self) -> SftpSettings {
        self.settings_via(self.port)
    }

    /// Settings that connect through `port` (a proxy in front of this server).
    pub fn settings_via(&self, port: u16) -> SftpSettings {
        SftpSettings {
            host: "127.0.0.1".into(),
            port,
            user: user_name(),
            auth: SftpAuth::Key {
                file: self.key_file.clone(),
                passphrase: None,
            },
            known_host: KnownHost::parse(&self.known_host).unwrap(),
            inbound: self.inbound.display().to_string(),
            outbound: self.outbound.display().to_string(),
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(100),
            after_download: AfterDownload::Delete,
        }
    }

    /// The environment a `medbill` process needs to use this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("MEDBILL_CLEARINGHOUSE", "sftp".into()),
            ("MEDBILL_SFTP_HOST", "127.0.0.1".into()),
            ("MEDBILL_SFTP_PORT", self.port.to_string()),
            ("MEDBILL_SFTP_USER", user_name()),
            ("MEDBILL_SFTP_KEY_FILE", self.key_file.display().to_string()),
            ("MEDBILL_SFTP_KNOWN_HOST", self.known_host.clone()),
            ("MEDBILL_SFTP_INBOUND", self.inbound.display().to_string()),
            ("MEDBILL_SFTP_OUTBOUND", self.outbound.display().to_string()),
        ]
    }

    /// The non-hidden file names of a folder, sorted.
    pub fn files(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.'))
            .collect();
        v.sort();
        v
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback TCP proxy to `target` that can cut every connection it carries.
pub struct Proxy {
    /// Its port.
    pub port: u16,
    /// Connections accepted so far.
    pub accepted: Arc<Mutex<usize>>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    stop: Arc<AtomicBool>,
}

fn pump(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

impl Proxy {
    /// Starts forwarding a free port to `127.0.0.1:target`.
    pub fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let accepted: Arc<Mutex<usize>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (o, a, s) = (open.clone(), accepted.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                *a.lock().unwrap() += 1;
                let mut open = o.lock().unwrap();
                open.push(client.try_clone().unwrap());
                open.push(server.try_clone().unwrap());
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pump(client, server));
                std::thread::spawn(move || pump(s2, c2));
            }
        });
        Proxy {
            port,
            accepted,
            open,
            stop,
        }
    }

    /// Cuts every connection open now (as a network failure would).
    pub fn drop_all(&self) {
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.drop_all();
        // Wake the accept loop so it sees the stop flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}
