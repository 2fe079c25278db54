//! Kafka over TLS (SASL_SSL) with a CA the user provides: a secured broker
//! of `scripts/kafka.sh start --secure --tls-dir` whose certificates are
//! made here, and topicgate's own client configuration against it. The
//! right CA and the super user's login make, write and read a topic; a
//! different CA fails the TLS handshake; the right CA without a valid
//! SASL login, or the login without TLS, is refused. Mistakes in the
//! certificate directory stop the script before it makes anything.

use crate::support;

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use support::kafka::{KafkaInstance, try_run_script, unique_name};
use support::secure_kafka::{SUPER_USER, error_code, read_first, reader, settings_for};
use topicgate::config::{KafkaSettings, Secret};
use topicgate::kafka_config::{KafkaRole, client_config};

/// The TLS broker's client port (controller on +100), away from every
/// other instance the tests start (19092..20592, 20892/20992).
const TLS_BASE_PORT: u16 = 21292;

/// The port the refused starts ask for; a start refused as it should be
/// never binds it.
const REFUSED_START_PORT: &str = "21492";

/// How long a topic creation, a write or a read may take on a busy machine.
const WAIT: Duration = Duration::from_secs(30);

/// How long a client that cannot get in tries a metadata request: it fails
/// only when this runs out, as a broker it cannot reach looks down.
const METADATA_WAIT: Duration = Duration::from_secs(5);

/// How long such a client is then watched for the errors it reports.
const REFUSAL_WAIT: Duration = Duration::from_secs(15);

/// A CA made for this test: its certificate and what signs with it.
struct Authority {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Authority {
    fn new(common_name: &str) -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("a CA key");
        let pem = params.self_signed(&key).expect("a CA certificate").pem();
        Authority {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    /// A broker certificate for 127.0.0.1 and localhost: its chain (the
    /// broker's certificate, then this CA's) and its PKCS#8 key, as PEM.
    fn server_certificate(&self) -> (String, String) {
        let mut params = CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("server parameters");
        params
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        let key = KeyPair::generate().expect("a server key");
        let certificate = params
            .signed_by(&key, &self.issuer)
            .expect("a server certificate");
        (
            format!("{}{}", certificate.pem(), self.pem),
            key.serialize_pem(),
        )
    }
}

/// Writes `contents` to a new file only its owner may read.
fn write_private(path: &Path, contents: &str) {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut file| file.write_all(contents.as_bytes()))
        .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

/// The `--tls-dir` of the broker: `ca.pem`, `server.pem`, `server.key`.
fn write_tls_dir(dir: &Path, authority: &Authority) {
    let (chain, key) = authority.server_certificate();
    write_private(&dir.join("ca.pem"), &authority.pem);
    write_private(&dir.join("server.pem"), &chain);
    write_private(&dir.join("server.key"), &key);
}

/// What the broker printed for `key`, which must be there.
fn printed(kafka: &KafkaInstance, key: &str) -> String {
    kafka
        .printed_setting(key)
        .unwrap_or_else(|| panic!("scripts/kafka.sh start printed no {key}"))
}

/// Makes `topic` and writes `payload` to it with `settings`.
async fn create_and_write(settings: &KafkaSettings, topic: &str, payload: &str) {
    let admin: AdminClient<DefaultClientContext> =
        client_config(settings, KafkaRole::ProducerAdmin)
            .create()
            .expect("an admin client");
    let created = admin
        .create_topics(
            &[NewTopic::new(topic, 1, TopicReplication::Fixed(1))],
            &AdminOptions::new().operation_timeout(Some(WAIT)),
        )
        .await
        .expect("creating a topic over TLS");
    assert!(created.iter().all(Result::is_ok), "{created:?}");
    let producer: FutureProducer = client_config(settings, KafkaRole::DeadLetterProducer)
        .create()
        .expect("a producer");
    producer
        .send(FutureRecord::<(), _>::to(topic).payload(payload), WAIT)
        .await
        .expect("writing a record over TLS");
}

/// A client that cannot get in: its metadata request must fail, and the
/// error codes it reports say why (in the order reported, until `awaited`
/// comes or [`REFUSAL_WAIT`] runs out).
fn refusal(settings: &KafkaSettings, awaited: RDKafkaErrorCode) -> Vec<RDKafkaErrorCode> {
    let client: BaseConsumer = reader(settings, &unique_name("tls-refused"));
    let fetched = client.fetch_metadata(None, METADATA_WAIT);
    assert!(
        fetched.is_err(),
        "a client that should be refused read the cluster's metadata"
    );
    let mut codes: Vec<RDKafkaErrorCode> = fetched.err().iter().filter_map(error_code).collect();
    let deadline = Instant::now() + REFUSAL_WAIT;
    while Instant::now() < deadline {
        match client.poll(Duration::from_millis(200)) {
            Some(Err(error)) => {
                let code = error_code(&error);
                codes.extend(code);
                if code == Some(awaited) {
                    break;
                }
            }
            Some(Ok(_)) => panic!("a client that should be refused read a record"),
            None => {}
        }
    }
    codes
}

/// A blocking librdkafka wait, off the test's runtime thread.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work)
        .await
        .expect("a blocking task")
}

/// Whether the client reported `code`.
fn saw(codes: &[RDKafkaErrorCode], code: RDKafkaErrorCode) -> bool {
    codes.contains(&code)
}

#[actix_rt::test]
async fn sasl_ssl_works_with_the_users_ca_and_refuses_another_ca_or_no_login() {
    let certificates = tempfile::tempdir().expect("a directory for the certificates");
    let tls_dir = certificates.path().join("tls");
    std::fs::create_dir(&tls_dir).expect("the TLS directory");
    write_tls_dir(&tls_dir, &Authority::new("topicgate test CA"));
    let other_ca: PathBuf = certificates.path().join("other-ca.pem");
    write_private(&other_ca, &Authority::new("some other CA").pem);

    let tls_dir_arg = tls_dir.to_str().expect("a UTF-8 path");
    let kafka = KafkaInstance::start_with(
        "test-tls",
        1,
        TLS_BASE_PORT,
        &["--secure", "--tls-dir", tls_dir_arg],
    );
    let protocol = printed(&kafka, "TOPICGATE_KAFKA_SECURITY_PROTOCOL");
    assert_eq!(protocol, "SASL_SSL");
    let ca = printed(&kafka, "TOPICGATE_KAFKA_SSL_CA");
    assert_eq!(Path::new(&ca), tls_dir.join("ca.pem"));
    let password_file = printed(&kafka, "TOPICGATE_KAFKA_SASL_PASSWORD_FILE");
    let password = std::fs::read_to_string(&password_file)
        .unwrap_or_else(|e| panic!("reading {password_file}: {e}"));
    let password = Secret::external(password.trim()).expect("the super user's password");

    let with_ca = |ca: &Path, protocol: &str, user: Option<(&str, &Secret)>| {
        let mut settings = match user {
            Some((user, password)) => settings_for(kafka.bootstrap_servers(), user, password),
            None => KafkaSettings::new(kafka.bootstrap_servers()),
        };
        settings.security.protocol = Some(protocol.to_owned());
        settings.security.ssl_ca = Some(ca.to_owned());
        settings
    };

    // The user's CA and the super user's login: a topic made, written, read.
    let settings = with_ca(Path::new(&ca), &protocol, Some((SUPER_USER, &password)));
    let topic = unique_name("tls");
    create_and_write(&settings, &topic, "over TLS").await;
    let read = blocking({
        let (settings, topic) = (settings.clone(), topic.clone());
        move || read_first(&settings, &topic, &unique_name("tls-reader"), WAIT)
    })
    .await;
    assert_eq!(read.expect("reading over TLS"), "over TLS");

    // Another CA: the broker's certificate is not trusted, so the TLS
    // handshake fails before any login.
    let wrong_ca = with_ca(&other_ca, &protocol, Some((SUPER_USER, &password)));
    let codes = blocking(move || refusal(&wrong_ca, RDKafkaErrorCode::SSL)).await;
    assert!(saw(&codes, RDKafkaErrorCode::SSL), "{codes:?}");

    // The user's CA but no SASL login: the handshake succeeds (no SSL
    // error), then the broker drops a client that does not log in.
    let no_login = with_ca(Path::new(&ca), "SSL", None);
    let codes = blocking(move || refusal(&no_login, RDKafkaErrorCode::AllBrokersDown)).await;
    assert!(!saw(&codes, RDKafkaErrorCode::SSL), "{codes:?}");
    assert!(saw(&codes, RDKafkaErrorCode::AllBrokersDown), "{codes:?}");

    // The user's CA and a wrong password: SASL refuses it.
    let wrong_password = with_ca(
        Path::new(&ca),
        &protocol,
        Some((SUPER_USER, &Secret::generate())),
    );
    let codes = blocking(move || refusal(&wrong_password, RDKafkaErrorCode::Authentication)).await;
    assert!(saw(&codes, RDKafkaErrorCode::Authentication), "{codes:?}");

    // The right login without TLS: the listener speaks only TLS.
    let plaintext = with_ca(
        Path::new(&ca),
        "SASL_PLAINTEXT",
        Some((SUPER_USER, &password)),
    );
    let codes = blocking(move || refusal(&plaintext, RDKafkaErrorCode::AllBrokersDown)).await;
    assert!(saw(&codes, RDKafkaErrorCode::AllBrokersDown), "{codes:?}");
}

#[test]
fn tls_dir_mistakes_are_named_before_anything_is_started() {
    let certificates = tempfile::tempdir().expect("a directory for the certificates");
    let dir = certificates.path();
    write_tls_dir(dir, &Authority::new("topicgate test CA"));
    let dir_arg = dir.to_str().expect("a UTF-8 path");
    let name = unique_name("tls-mistake");
    let start = |options: &[&str]| {
        let mut args = vec!["start", "--name", &name, "--port", REFUSED_START_PORT];
        args.extend_from_slice(options);
        let outcome = try_run_script(&args);
        if outcome.is_ok() {
            // Started after all: leave no broker behind, then fail.
            let _ = try_run_script(&["destroy", "--name", &name]);
        }
        outcome.expect_err("a start that should be refused")
    };

    let error = start(&["--tls-dir", dir_arg]);
    assert!(error.contains("--tls-dir needs --secure"), "{error}");

    let key = dir.join("server.key");
    let pkcs8 = std::fs::read_to_string(&key).expect("the key");
    std::fs::write(&key, pkcs8.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"))
        .expect("rewriting the key");
    let error = start(&["--secure", "--tls-dir", dir_arg]);
    assert!(error.contains("unencrypted PKCS#8"), "{error}");

    std::fs::write(&key, &pkcs8).expect("rewriting the key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644))
        .expect("opening the key to others");
    let error = start(&["--secure", "--tls-dir", dir_arg]);
    assert!(error.contains("may be read by others"), "{error}");

    std::fs::remove_file(dir.join("ca.pem")).expect("removing the CA");
    let error = start(&["--secure", "--tls-dir", dir_arg]);
    assert!(error.contains("no readable ca.pem"), "{error}");

    let instance = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".cache/kafka/run")
        .join(&name);
    assert!(!instance.exists(), "{} was made", instance.display());
}
