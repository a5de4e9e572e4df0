//! The engine's errors.

use hookbench_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The input was refused; each entry names a field and what is wrong with it.
    #[error("invalid input: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

impl EngineError {
    /// True when retrying later may succeed (database locked or disk full).
    pub fn is_transient(&self) -> bool {
        match self {
            EngineError::Store(e) => e.is_transient(),
            EngineError::Invalid(_) => false,
        }
    }
}
