//! The GPU side of the learning rules: where a rule's small compartments and synapse
//! coordinates live, and each rule's `evolve` kernel, parameters and bind group (one thread per
//! weight, dense synapse or sparse projection alike).
//!
//! Storage: MSTDPET's `modulator` and `outmask` and a sparse projection's synapse coordinates
//! (presynaptic then postsynaptic unit of each stored weight) share one buffer, bound as the
//! kernels' `coords` (a rule kernel then binds at most 8 storage buffers, WebGPU's default
//! limit). A dense synapse's weight mask stays in the synapse's aux buffer.

use wgpu::util::DeviceExt;

use super::kernels::*;
use super::*;
use crate::gpu::buffers::{WORKGROUP_SIZE, grid};
use crate::network::graph::Component;
use crate::network::rules::{Rule, rule_names};
use crate::network::synapses::names;

/// A rule's control buffer: arena index, and the element offset of the coordinates in it.
#[derive(Debug, Clone, Copy)]
pub(super) struct RuleStorage {
    buffer: usize,
    coords_off: usize,
}

/// The synapses a rule updates: `n_syn` weights of an (N_pre, N_post) shape, and whether they
/// are a sparse projection's stored ones.
#[derive(Debug, Clone, Copy)]
pub(super) struct Synapses {
    pub(super) n_pre: usize,
    pub(super) n_post: usize,
    pub(super) n_syn: usize,
    pub(super) sparse: bool,
}

/// Step 1 of the build: allocates component `c`'s control buffer when its rule needs one
/// (MSTDPET, or any rule on sparse synapses: `coords` = (pre, post) of each weight), and points
/// the views of the compartments it holds into it. Returns the compartments placed.
pub(super) fn place_storage(
    device: &wgpu::Device,
    arena: &mut Vec<ArenaBuffer>,
    c: &Component,
    rule: &Rule,
    coords: Option<(&[u32], &[u32])>,
    initial: &[Vec<f32>],
    cv: &mut [View],
) -> Result<(Option<RuleStorage>, Vec<usize>)> {
    let modulated = matches!(rule, Rule::Modulated(_));
    if !modulated && coords.is_none() {
        return Ok((None, Vec::new()));
    }
    let mut words: Vec<u32> = Vec::new();
    let mut placed = Vec::new();
    let buffer = arena.len();
    if modulated {
        for name in [rule_names::MODULATOR, rule_names::OUTMASK] {
            let q = c.compartment(name)?;
            cv[q] = View {
                buffer,
                offset: words.len(),
                len: initial[q].len(),
            };
            words.extend(initial[q].iter().map(|x| x.to_bits()));
            placed.push(q);
        }
    }
    let coords_off = words.len();
    if let Some((pre, post)) = coords {
        words.extend_from_slice(pre);
        words.extend_from_slice(post);
    }
    words.push(0);
    arena.push(
        device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(&format!("{}.rule", c.name)),
                contents: bytemuck::cast_slice(&words),
                usage: STORAGE_USAGE,
            })
            .into(),
    );
    Ok((Some(RuleStorage { buffer, coords_off }), placed))
}

/// Step 3 of the build: the rule's evolve kernel, bind group and grid. `dense_aux` is a dense
/// synapse's aux buffer and the offset of its weight mask in it.
#[allow(clippy::too_many_arguments)]
pub(super) fn evolve_plan(
    device: &wgpu::Device,
    kernels: &[Kernel],
    arena: &mut Vec<ArenaBuffer>,
    (calls, stride): (&wgpu::Buffer, u64),
    c: &Component,
    rule: &Rule,
    set: Synapses,
    v: &[View],
    storage: Option<RuleStorage>,
    dense_aux: Option<(usize, usize)>,
    max_dim: u32,
) -> Result<(usize, wgpu::BindGroup, (u32, u32))> {
    let g = grid((set.n_syn as u32).div_ceil(WORKGROUP_SIZE), max_dim);
    let q = |name: &str| c.compartment(name).map(|i| v[i].buffer);
    let dummy = |arena: &mut Vec<ArenaBuffer>| {
        arena.push(init_buffer(device, &format!("{}.none", c.name), &[0.0]).into());
        arena.len() - 1
    };
    let coords = match (storage, dense_aux) {
        (Some(s), _) => s.buffer,
        (None, Some((aux, _))) => aux,
        (None, None) => dummy(arena),
    };
    let (aux, wmask_off) = match dense_aux {
        Some((aux, off)) => (aux, off as u32),
        None => (coords, 0),
    };
    let set_words = [
        set.n_post as u32,
        set.n_syn as u32,
        u32::from(set.sparse),
        storage.map_or(0, |s| s.coords_off as u32),
    ];
    let label = format!("{}.evolve", c.name);
    let (kernel, words, bufs): (usize, Vec<u32>, Vec<usize>) = match rule {
        Rule::Trace(r) => (
            STDP,
            vec![
                c.batch as u32,
                set.n_pre as u32,
                set.n_post as u32,
                g.0,
                r.a_plus.to_bits(),
                r.a_minus.to_bits(),
                r.eta.to_bits(),
                r.mu.to_bits(),
                r.pretrace_target.to_bits(),
                r.w_bound.to_bits(),
                crate::network::reciprocal_of_constant(r.tau_w).to_bits(),
                wmask_off,
            ],
            vec![
                q(names::WEIGHTS)?,
                q(names::D_WEIGHTS)?,
                q(names::PRE_SPIKE)?,
                q(names::POST_SPIKE)?,
                q(names::PRE_TRACE)?,
                q(names::POST_TRACE)?,
                aux,
                coords,
            ],
        ),
        Rule::Event(r) => (
            EVENT_STDP,
            vec![
                set.n_pre as u32,
                set.n_post as u32,
                g.0,
                0,
                r.one_plus_lmbda.to_bits(),
                r.a_plus.to_bits(),
                r.a_minus.to_bits(),
                r.presyn_win_len.to_bits(),
                r.w_bound.to_bits(),
                0,
                0,
                0,
            ],
            vec![
                q(names::WEIGHTS)?,
                q(names::D_WEIGHTS)?,
                q(names::PRE_TOLS)?,
                q(names::POST_SPIKE)?,
                q(names::ETA)?,
                coords,
            ],
        ),
        Rule::Exp(r) => (
            EXP_STDP,
            vec![
                c.batch as u32,
                set.n_pre as u32,
                set.n_post as u32,
                g.0,
                r.a_plus.to_bits(),
                r.a_minus.to_bits(),
                r.neg_exp_beta.to_bits(),
                r.pretrace_target.to_bits(),
                r.w_bound.to_bits(),
                r.w_high.to_bits(),
                wmask_off,
                0,
            ],
            vec![
                q(names::WEIGHTS)?,
                q(names::D_WEIGHTS)?,
                q(names::PRE_SPIKE)?,
                q(names::POST_SPIKE)?,
                q(names::PRE_TRACE)?,
                q(names::POST_TRACE)?,
                q(names::ETA)?,
                if set.sparse { coords } else { aux },
            ],
        ),
        Rule::Modulated(r) => {
            for name in [rule_names::MODULATOR, rule_names::OUTMASK] {
                let view = v[c.compartment(name)?];
                if storage.is_none_or(|s| view.buffer != s.buffer) {
                    return Err(network_error(
                        format!("{}.{name}", c.name),
                        "MSTDPETSynapse's modulator and outmask cannot be wired on the GPU: set them (per step as a run input)",
                    ));
                }
            }
            let at = |name: &str| c.compartment(name).map(|i| v[i].offset as u32);
            (
                MSTDPET,
                vec![
                    set.n_pre as u32,
                    set.n_post as u32,
                    g.0,
                    at(rule_names::MODULATOR)?,
                    r.stdp.a_plus.to_bits(),
                    r.stdp.a_minus.to_bits(),
                    r.stdp.eta.to_bits(),
                    r.stdp.mu.to_bits(),
                    r.stdp.pretrace_target.to_bits(),
                    r.stdp.w_bound.to_bits(),
                    crate::network::reciprocal_of_constant(r.tau_elg).to_bits(),
                    r.elg_decay.to_bits(),
                    r.inv_tau_w.to_bits(),
                    at(rule_names::OUTMASK)?,
                    0,
                    0,
                ],
                vec![
                    q(names::WEIGHTS)?,
                    q(names::D_WEIGHTS)?,
                    q(rule_names::ELIGIBILITY)?,
                    q(names::PRE_SPIKE)?,
                    q(names::POST_SPIKE)?,
                    q(names::PRE_TRACE)?,
                    q(names::POST_TRACE)?,
                    coords,
                ],
            )
        }
    };
    let mut words = words;
    words.extend_from_slice(&set_words);
    let call = KERNELS[kernel].uses_call.then_some((calls, stride));
    let bind = bind_words(device, &kernels[kernel].layout, arena, call, (&label, &words), &bufs);
    Ok((kernel, bind, g))
}
