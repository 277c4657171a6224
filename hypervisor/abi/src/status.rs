//! Status codes returned in `rax` by every hypercall.

/// The outcome of a hypercall. `Success` is 0 so user code can test `rax == 0`.
#[repr(u64)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The call did what was asked.
    Success = 0,
    /// `rax` held a number that is not a hypercall.
    BadCall = 1,
    /// An argument is out of range or not a defined value.
    BadParameter = 2,
    /// A user buffer is not mapped, not accessible to the caller, or not
    /// inside the user half of the address space.
    BadMemory = 3,
    /// The caller lacks the right to make this call.
    Denied = 4,
    /// The hypervisor could not do it on this machine (for example no way to
    /// power off was found).
    Unsupported = 5,
}

impl Status {
    /// Decodes a raw status; unknown values are reported as `None`.
    pub fn from_raw(raw: u64) -> Option<Self> {
        Some(match raw {
            0 => Self::Success,
            1 => Self::BadCall,
            2 => Self::BadParameter,
            3 => Self::BadMemory,
            4 => Self::Denied,
            5 => Self::Unsupported,
            _ => return None,
        })
    }

    /// `Ok(())` for success, the status itself otherwise.
    pub fn into_result(self) -> Result<(), Status> {
        match self {
            Self::Success => Ok(()),
            e => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Status;

    #[test]
    fn statuses_round_trip() {
        for raw in 0..6 {
            assert_eq!(Status::from_raw(raw).map(|s| s as u64), Some(raw));
        }
        assert_eq!(Status::from_raw(6), None);
        assert_eq!(Status::Success.into_result(), Ok(()));
        assert_eq!(Status::Denied.into_result(), Err(Status::Denied));
    }
}
