//! Files only the current user may read, for the secrets a benchmark
//! hands to wrk or to a daemon (never on a command line).

pub trait PrivateFile {
    fn mode_private(&mut self) -> &mut Self;
}

impl PrivateFile for std::fs::OpenOptions {
    fn mode_private(&mut self) -> &mut Self {
        std::os::unix::fs::OpenOptionsExt::mode(self, 0o600)
    }
}
