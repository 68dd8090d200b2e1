//! Fresh PostgreSQL databases for tests, on the server `PARLEY_TEST_POSTGRES_URL` names
//! (`scripts/with-services.sh` starts a private one). Each test gets its own database,
//! dropped (with any connections still open) when it ends.

/// A database created for one test.
pub struct TestDatabase {
    /// Its URL.
    pub url: String,
    admin: String,
    name: String,
}

impl TestDatabase {
    /// A new, empty database; `None` when no server is configured (an error under `CI=true`,
    /// where the PostgreSQL runs must not be skipped).
    pub fn create() -> Option<Self> {
        let Ok(admin) = std::env::var("PARLEY_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PARLEY_TEST_POSTGRES_URL must be set in CI (scripts/with-services.sh)"
            );
            return None;
        };
        let name = format!("parley_{}", uuid::Uuid::new_v4().simple());
        let (base, _) = admin
            .rsplit_once('/')
            .expect("PARLEY_TEST_POSTGRES_URL ends in /DATABASE");
        let url = format!("{base}/{name}");
        run_sync(&admin, &format!("CREATE DATABASE {name}"));
        Some(Self { url, admin, name })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        run_sync(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// Runs one statement on its own thread (the synchronous client must not run on an async
/// runtime's thread).
fn run_sync(url: &str, sql: &str) {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .expect("connect to the test PostgreSQL");
        client.batch_execute(&sql).expect("run the admin statement");
    })
    .join()
    .expect("admin thread");
}
