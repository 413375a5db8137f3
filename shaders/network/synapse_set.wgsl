// Which synapse the thread for weight k updates: pair (k / n_post, k % n_post) of a dense
// matrix, or the stored pair (coords[off + k], coords[off + n_syn + k]) of a sparse
// projection. Every rule kernel binds `coords` (a dummy for dense synapses).
// Twin: src/network/stdp.rs `SynapseSet`.

struct SynapseSet {
    n_post: u32,
    n_syn: u32,
    sparse: u32,
    coords_off: u32,
}

fn synapse_pair(s: SynapseSet, k: u32) -> vec2<u32> {
    if (s.sparse != 0u) {
        return vec2<u32>(coords[s.coords_off + k], coords[s.coords_off + s.n_syn + k]);
    }
    return vec2<u32>(k / s.n_post, k % s.n_post);
}
