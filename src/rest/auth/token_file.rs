//! A bearer token read from a file and read again now and then, so a rotated
//! token (a projected service-account token, a tokenFile renewed by a sidecar)
//! is used within [`TOKEN_FILE_REREAD_INTERVAL`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::config::{AuthError, SecretString};

/// How long a token read from a file is used before the file is read again.
pub const TOKEN_FILE_REREAD_INTERVAL: Duration = Duration::from_secs(60);

/// The token of a file, cached for a while.
#[derive(Debug)]
pub(crate) struct TokenFile {
    path: PathBuf,
    fallback: Option<SecretString>,
    reread_interval: Duration,
    last_good: Mutex<Option<(SecretString, Instant)>>,
}

impl TokenFile {
    pub(crate) fn new(path: &Path, fallback: Option<SecretString>, reread_interval: Duration) -> Self {
        TokenFile {
            path: path.to_owned(),
            fallback,
            reread_interval,
            last_good: Mutex::new(None),
        }
    }

    /// The file the token is read from.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The token to send now.
    ///
    /// The file is read when the last good read is older than the interval.
    /// A failed read keeps the last good token (and is tried again after
    /// another interval); before the first good read the fallback is used,
    /// and the file is tried again on every request.
    pub(crate) async fn token(&self) -> Result<SecretString, AuthError> {
        let mut last_good = self.last_good.lock().await;
        if let Some((token, read_at)) = last_good.as_ref()
            && read_at.elapsed() < self.reread_interval
        {
            return Ok(token.clone());
        }
        match read_token(&self.path).await {
            Ok(token) => {
                *last_good = Some((token.clone(), Instant::now()));
                Ok(token)
            }
            Err(source) => {
                if let Some((token, read_at)) = last_good.as_mut() {
                    tracing::warn!(path = %self.path.display(), error = %source, "cannot read the token file again; keeping the last token");
                    *read_at = Instant::now();
                    return Ok(token.clone());
                }
                match &self.fallback {
                    Some(fallback) => Ok(fallback.clone()),
                    None => Err(AuthError::TokenFile {
                        path: self.path.clone(),
                        source,
                    }),
                }
            }
        }
    }
}

async fn read_token(path: &Path) -> std::io::Result<SecretString> {
    let text = tokio::fs::read_to_string(path).await?;
    let token = text.trim();
    if token.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is empty",
        ));
    }
    Ok(SecretString::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_file(dir: &tempfile::TempDir, fallback: Option<&str>) -> (PathBuf, TokenFile) {
        let path = dir.path().join("token");
        let file = TokenFile::new(&path, fallback.map(SecretString::new), Duration::from_secs(60));
        (path, file)
    }

    #[tokio::test(start_paused = true)]
    async fn the_token_is_cached_until_the_interval_passes_then_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let (path, file) = token_file(&dir, None);
        std::fs::write(&path, "first\n").unwrap();
        assert_eq!(file.token().await.unwrap().expose(), "first");
        std::fs::write(&path, "second").unwrap();
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(file.token().await.unwrap().expose(), "first");
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(file.token().await.unwrap().expose(), "second");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_reread_keeps_the_last_good_token() {
        let dir = tempfile::tempdir().unwrap();
        let (path, file) = token_file(&dir, Some("fallback"));
        std::fs::write(&path, "good").unwrap();
        assert_eq!(file.token().await.unwrap().expose(), "good");
        std::fs::remove_file(&path).unwrap();
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(file.token().await.unwrap().expose(), "good");
        std::fs::write(&path, "   ").unwrap();
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(file.token().await.unwrap().expose(), "good");
    }

    #[tokio::test(start_paused = true)]
    async fn the_fallback_is_used_until_the_file_reads_once() {
        let dir = tempfile::tempdir().unwrap();
        let (path, file) = token_file(&dir, Some("fallback"));
        assert_eq!(file.token().await.unwrap().expose(), "fallback");
        std::fs::write(&path, "from-file").unwrap();
        assert_eq!(file.token().await.unwrap().expose(), "from-file");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreadable_file_without_fallback_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (path, file) = token_file(&dir, None);
        let error = file.token().await.unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot read token file {}", path.display()))
        );
    }
}
