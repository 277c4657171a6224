//! Where the guest's COM1 lines go: the hypervisor console, each line
//! prefixed with the guest's name.

use alloc::string::String;
use user_rt::Line;

pub struct Prefixed {
    pub name: String,
}

impl vmm::platform::Console for Prefixed {
    fn line(&mut self, text: &[u8]) {
        Line::new()
            .str("[")
            .str(&self.name)
            .str("] ")
            .bytes(text)
            .print();
    }
}
