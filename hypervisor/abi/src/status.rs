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
    /// The capability lacks a right the call needs.
    Denied = 4,
    /// The hypervisor cannot do it on this machine (for example no way to
    /// power off was found).
    Unsupported = 5,
    /// The selector is outside the object space or holds no capability, or
    /// the source range of a delegation holds nothing.
    BadSelector = 6,
    /// The capability refers to a different kind of object than the call
    /// needs.
    WrongType = 7,
    /// The CPU number is not an online CPU, or the call would cross CPUs
    /// (a portal whose handler is bound to another CPU).
    BadCpu = 8,
    /// A range is misaligned (base not a multiple of its size), reaches past
    /// the end of its space, or covers only part of a capability that must
    /// be taken whole.
    BadRange = 9,
    /// The destination selector or range already holds a capability.
    Occupied = 10,
    /// The PD's kernel-memory quota cannot pay for the request.
    OutOfQuota = 11,
    /// A semaphore down reached its deadline first.
    Timeout = 12,
    /// The partner went away: the handler EC or the semaphore was destroyed
    /// while the caller waited, or the portal's EC is being destroyed.
    Aborted = 13,
}

impl Status {
    /// Every status, in numeric order.
    pub const ALL: [Status; 14] = [
        Self::Success,
        Self::BadCall,
        Self::BadParameter,
        Self::BadMemory,
        Self::Denied,
        Self::Unsupported,
        Self::BadSelector,
        Self::WrongType,
        Self::BadCpu,
        Self::BadRange,
        Self::Occupied,
        Self::OutOfQuota,
        Self::Timeout,
        Self::Aborted,
    ];

    /// Decodes a raw status; unknown values are reported as `None`.
    pub fn from_raw(raw: u64) -> Option<Self> {
        Self::ALL.get(usize::try_from(raw).ok()?).copied()
    }

    /// `Ok(())` for success, the status itself otherwise.
    pub fn into_result(self) -> Result<(), Status> {
        match self {
            Self::Success => Ok(()),
            e => Err(e),
        }
    }

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::BadCall => "bad call",
            Self::BadParameter => "bad parameter",
            Self::BadMemory => "bad memory",
            Self::Denied => "denied",
            Self::Unsupported => "unsupported",
            Self::BadSelector => "bad selector",
            Self::WrongType => "wrong type",
            Self::BadCpu => "bad cpu",
            Self::BadRange => "bad range",
            Self::Occupied => "occupied",
            Self::OutOfQuota => "out of quota",
            Self::Timeout => "timeout",
            Self::Aborted => "aborted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Status;

    #[test]
    fn statuses_round_trip() {
        for (raw, s) in Status::ALL.iter().enumerate() {
            assert_eq!(*s as u64, raw as u64);
            assert_eq!(Status::from_raw(raw as u64), Some(*s));
        }
        assert_eq!(Status::from_raw(Status::ALL.len() as u64), None);
        assert_eq!(Status::from_raw(u64::MAX), None);
        assert_eq!(Status::Success.into_result(), Ok(()));
        assert_eq!(Status::Denied.into_result(), Err(Status::Denied));
    }
}
