//! The `?status=pending,approved` filter of the change-request lists
//! (`/api/topic-changes`, `/api/schema-changes`).

use serde::Deserialize;

use super::error::ApiError;
use crate::domain::ChangeRequestStatus;

/// The query of a change-request list; no `status` means every status.
#[derive(Deserialize)]
pub(super) struct StatusFilter {
    status: Option<String>,
}

impl StatusFilter {
    /// The statuses asked for, or a 400 naming the one not understood.
    pub(super) fn statuses(&self) -> Result<Vec<ChangeRequestStatus>, ApiError> {
        self.status
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<ChangeRequestStatus>().map_err(|_| {
                    ApiError::BadRequest(format!(
                        "invalid status: {s:?}; expected pending, approved or rejected"
                    ))
                })
            })
            .collect()
    }
}
