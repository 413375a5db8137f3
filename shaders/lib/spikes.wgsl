// Spike helpers shared by the cell kernels. Twins: src/cells/mod.rs.

// src/cells/mod.rs `spike_of`: strict `>`.
fn spike_of(x: f32, thr: f32) -> f32 {
    return select(0.0, 1.0, x > thr);
}

// src/cells/mod.rs `floor_at`: max(x, floor) as a select, the CPU's bits for −0 and NaN too.
fn floor_at(x: f32, floor: f32) -> f32 {
    return select(floor, x, x > floor);
}

// src/cells/mod.rs `tols_of`: the reference's (1 - s)·tols + s·t as reset_to's select.
fn tols_of(tols_old: f32, s_now: f32, t: f32) -> f32 {
    return reset_to(tols_old, s_now, t);
}

// src/cells/mod.rs `reset_to`: the reference's blend x·(1 - s) + s·to for a spike of 0 or 1,
// as a select (the same value but for the sign of a zero).
fn reset_to(x: f32, s_now: f32, to: f32) -> f32 {
    return select(x, to, s_now > 0.0);
}

// src/cells/mod.rs `reset_if`: the reset blend where a cell's reset option is on.
fn reset_if(on: bool, x: f32, s_now: f32, to: f32) -> f32 {
    if (on) {
        return reset_to(x, s_now, to);
    }
    return x;
}
