// The flat element index of a thread on a 2-D grid of 256-thread workgroups (the grid splits
// evenly: src/gpu/buffers.rs `grid`).

const WG: u32 = 256u;

fn flat_index(wid: vec3<u32>, lid: vec3<u32>, groups_x: u32) -> u32 {
    return (wid.y * groups_x + wid.x) * WG + lid.x;
}
