//! Password and client-secret hashing with argon2id.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// Hashes a secret into a PHC string (argon2id, default parameters, random salt).
pub fn hash_secret(secret: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Checks a secret against a stored PHC string; a malformed hash never verifies.
pub fn verify_secret(secret: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A fresh random secret of `len` URL-safe characters (for generated passwords and client secrets).
pub fn random_secret(len: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The minimum length of a person's password.
pub const MIN_PASSWORD_LEN: usize = 12;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_right_secret() {
        let h = hash_secret("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_secret("correct horse battery", &h));
        assert!(!verify_secret("wrong", &h));
        assert!(!verify_secret("anything", "not-a-hash"));
    }

    #[test]
    fn random_secrets_differ() {
        let a = random_secret(24);
        assert_eq!(a.len(), 24);
        assert_ne!(a, random_secret(24));
    }
}
