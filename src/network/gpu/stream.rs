//! One command stream for a run chunk.

/// One command stream: dispatches share one open compute pass until a copy needs the encoder
/// (a pass per component costs a barrier and, on software adapters, real time).
pub(super) struct Stream {
    encoder: wgpu::CommandEncoder,
    pass: Option<wgpu::ComputePass<'static>>,
}

impl Stream {
    pub(super) fn new(device: &wgpu::Device) -> Stream {
        Stream {
            encoder: device.create_command_encoder(&Default::default()),
            pass: None,
        }
    }

    /// The open pass (opened if none is).
    pub(super) fn pass(&mut self) -> &mut wgpu::ComputePass<'static> {
        let encoder = &mut self.encoder;
        self.pass.get_or_insert_with(|| {
            encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("network.step"),
                    timestamp_writes: None,
                })
                .forget_lifetime()
        })
    }

    /// The encoder, for copies: the open pass ends first.
    pub(super) fn encoder(&mut self) -> &mut wgpu::CommandEncoder {
        self.pass = None;
        &mut self.encoder
    }

    pub(super) fn finish(mut self) -> wgpu::CommandBuffer {
        self.pass = None;
        self.encoder.finish()
    }
}
