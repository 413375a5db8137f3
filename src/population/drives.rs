//! Uploading a drive once for many runs ([`Population::upload_drive`]) and checking uploaded
//! drives against the population that runs them.

use std::sync::atomic::{AtomicU64, Ordering};

use super::Population;
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::run::{Drive, DriveHandle};

/// Ids of populations, unique within the process, so a handle knows which population made it.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh population id.
pub(super) fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

impl<B: Backend> Population<B> {
    /// This population's id, unique within the process (it names the population in the error
    /// for a [`DriveHandle`] used on another population).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Uploads a per-neuron drive ([`Drive::PerNeuron`], B×N values) or a per-step one
    /// ([`Drive::Buffer`], K×B×N values for runs of K steps) once, for any number of later runs
    /// of this population with [`Drive::Uploaded`]. The values are checked as the slice drives
    /// check them (length, finite); runs then give exactly the results of the slice drive, with
    /// no copy per run. On the GPU the values live in a storage buffer of their own, which must
    /// fit one storage binding; on the CPU in a shared host array.
    pub fn upload_drive(&mut self, drive: Drive<'_>) -> Result<DriveHandle> {
        let total = self.batch * self.n_units;
        let (values, steps) = match drive {
            Drive::PerNeuron(values) => (values, None),
            Drive::Buffer(values) => {
                if values.is_empty() || values.len() % total != 0 {
                    return Err(Error::InputLength {
                        what: format!("per-step drive to upload (K steps × {total}, K ≥ 1)"),
                        got: values.len(),
                        expected: (values.len() / total).max(1) * total,
                    });
                }
                (values, Some(values.len() / total))
            }
            _ => {
                return Err(Error::InvalidParameter {
                    name: "drive",
                    value: format!("{drive:?}"),
                    reason: "only per-neuron (Drive::PerNeuron) and per-step (Drive::Buffer) drives hold values \
                             to upload; the others are generated where they run",
                });
            }
        };
        // The slice drives' own checks (length, finite values); dt plays no part in them.
        drive.resolve(steps.unwrap_or(1), total, 1.0)?;
        let store = self.backend.upload_drive(values)?;
        Ok(DriveHandle::new(self.id, total, steps, store))
    }

    /// Checks an uploaded drive against this population (other drives need no check here).
    pub(super) fn check_uploaded(&self, drive: &Drive<'_>) -> Result<()> {
        match drive {
            Drive::Uploaded(handle) => handle.check_population(self.id),
            _ => Ok(()),
        }
    }
}
