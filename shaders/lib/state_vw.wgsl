// Bindings and state of the cells whose compartments are `j v w s tols` (AdEx,
// FitzHugh–Nagumo, Izhikevich, resonate-and-fire), composed with their kernels. The layout
// follows src/gpu/population.rs: compartments from binding 4 in CellModel::compartments order.

@group(0) @binding(4) var<storage, read_write> j: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
@group(0) @binding(6) var<storage, read_write> w: array<f32>;
@group(0) @binding(7) var<storage, read_write> s: array<f32>;
@group(0) @binding(8) var<storage, read_write> tols: array<f32>;

struct CellState {
    v: f32,
    w: f32,
    s: f32,
    tols: f32,
}

fn cell_load(i: u32) -> CellState {
    return CellState(v[i], w[i], s[i], tols[i]);
}

fn cell_store(i: u32, st: CellState) {
    v[i] = st.v;
    w[i] = st.w;
    s[i] = st.s;
    tols[i] = st.tols;
}
