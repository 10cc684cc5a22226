//! The load generator against a real server on loopback: the application in-process on port
//! 0 over a store with the demo and the clients' accounts, on SQLite (and on PostgreSQL when
//! `CHIIKI_TEST_PG_URL` names a server). A short run with every client writing: no error,
//! every write read back.

use std::time::Duration;

use chiiki_app::access::Principal;
use chiiki_domain::{AccountFields, AllianceId, Name, PrefCode, Role, Username};
use chiiki_loadgen::{Config, accounts};
use chiiki_store::testing;

const PASSWORD: &str = "load test password (synthetic)";

/// Serves the demo with the accounts of `clients` clients; the server's base URL.
async fn serve(t: &testing::TestStore, clients: usize) -> String {
    chiiki_app::load_demo(t.store())
        .await
        .expect("the demo loads");
    for a in accounts("load", clients) {
        let (role, pref, alliance) = match a.role {
            chiiki_loadgen::Role::Coordinator => (Role::Coordinator, 3, None),
            chiiki_loadgen::Role::Secretariat => (
                Role::Secretariat,
                12,
                Some(AllianceId::parse(chiiki_loadgen::ALLIANCE).expect("a valid id")),
            ),
        };
        let fields = AccountFields {
            alliance,
            username: Username::parse(&a.username).expect("a valid user name"),
            display_name: Name::parse(&format!("{}（架空）", a.username)).expect("a name"),
            role,
            pref: PrefCode::new(pref).ok(),
            facility: None,
            doctor: None,
            disabled: false,
        };
        chiiki_app::auth::put_account(
            t.store(),
            &Principal::system("test"),
            fields,
            Some(PASSWORD),
        )
        .await
        .expect("the account is saved");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("its address");
    let store = t.shared();
    tokio::spawn(async move { chiiki_web::serve(listener, store).await });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_clients_read_and_write_without_an_error_and_every_write_reads_back() {
    for t in testing::all().await {
        let name = t.name();
        let clients = 10;
        let base = serve(&t, clients).await;
        let cfg = Config {
            base,
            clients,
            duration: Duration::from_secs(3),
            // Every client creates and cancels (three kept open, the fourth write cancels),
            // however slow the machine.
            min_writes: 5,
            prefix: "load".into(),
            password: PASSWORD.into(),
            write_percent: 20,
            // Generous: a slow machine is not an error here.
            timeout: Duration::from_secs(300),
            seed: 7,
        };
        let report = chiiki_loadgen::run(&cfg).await.expect("the load runs");
        println!("{name}:\n{report}");
        assert_eq!(report.logged_in, clients, "{name}: every client logs in");
        assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
        assert!(
            report.other_errors.is_empty(),
            "{name}: {:?}",
            report.other_errors
        );
        assert_eq!(
            report.readback_failures, 0,
            "{name}: {:?}",
            report.readback_examples
        );
        // Each client wrote at least 5 times (4 requests made, 1 cancelled), and every
        // request or booking it made was checked after the load.
        assert!(report.writes.count() >= 5 * clients, "{name}");
        assert!(
            report.checked >= 4 * clients as u64,
            "{name}: {}",
            report.checked
        );
        assert!(report.passed(), "{name}");
    }
}
