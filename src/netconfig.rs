//! `spikegpu run network.toml`: a network described in a TOML file — populations, encoders,
//! projections and what to record — checked as strictly as a population's config (every key
//! known, the closest known name suggested for a misspelling), run on the CPU or a GPU.
//!
//! ```toml
//! seed = 1
//! dt = 0.1          # ms
//! steps = 10000
//!
//! [[population]]
//! name = "exc"
//! cell = "LIFCell"             # ngclearn class name or spikegpu key
//! n_units = 3200
//! drive = 0.0                  # constant input current (optional)
//! v0 = [-60.0, -50.0]          # initial v uniform in [low, high) (optional)
//! [population.params]          # the cell's ngclearn parameters
//! tau_m = 20.0
//! v_reset = { uniform = [-62.0, -58.0] }  # per neuron: an array of n_units numbers, or
//!                              # { uniform = [low, high] } / { normal = [mean, std] }, drawn
//!                              # from fold_in(PRNGKey(seed), population index)
//!
//! [[encoder]]
//! name = "input"
//! kind = "poisson"             # or "bernoulli"
//! n_units = 100
//! target_freq = 63.75          # Poisson only
//! input = 1.0                  # intensity (Poisson) or probability (Bernoulli) of every unit
//!
//! [[projection]]
//! name = "ee"
//! from = "exc"
//! to = "exc"
//! connectivity = "fixed_probability"   # dense, one_to_one, fixed_probability, fixed_in_degree,
//!                                      # procedural, procedural_fan_out
//! p = 0.02                             # fixed_probability, procedural
//! # k = 1000                           # fixed_in_degree, procedural_fan_out (targets per pre unit)
//! weight = 1.62                        # constant weight (or the low end with weight_high)
//! synapse = "exponential_current"      # "instant", or "conductance" (ngclearn's ExponentialSynapse)
//! tau = 5.0                            # ms, exponential_current and conductance
//! # g_syn_bar = 0.5, syn_rest = 0.0    # conductance only
//! delay = 0                            # steps
//! propagation = "gather"               # or "event" (fixed-point, cost ∝ spikes × fan-out;
//!                                      # procedural_fan_out's default); max_signal = 1.0 with it
//!
//! [record]
//! spikes = ["exc"]
//! ```
//! A dense projection can read its weights from a NumPy file (`weights_npy = "w.npy"`, float32 or
//! float64, shape (N_pre, N_post), C order); a fixed in-degree one takes `k`. Outputs: per
//! recorded layer `<name>_spikes.npy` (float64 rows of (time ms, unit)), `run.json`, and
//! `raster.png` with one band per recorded layer.

use std::path::{Path, PathBuf};
use std::time::Instant;

use toml::{Table, Value};

use crate::cells::params::closest;
use crate::config::{TableReader, parse_table, read_text};
use crate::error::{Error, Result};
use crate::network::{
    ConnectivitySpec, LayerId, NetEngine, NetRecord, Network, NetworkBuilder, ProjectionSpec, Weights,
};
use crate::rng::Key;

/// Each recorded layer's name and mean rate (Hz).
pub type LayerRates = Vec<(String, f64)>;

/// A network run described by a TOML file.
#[derive(Debug)]
pub struct NetworkConfig {
    /// The file.
    pub file: PathBuf,
    /// The network, not yet on an engine.
    pub builder: NetworkBuilder,
    /// Layer names, ids and sizes, in file order.
    pub layers: Vec<(String, LayerId, usize)>,
    /// Per layer: its constant drive or encoder input, if given.
    pub inputs: Vec<(LayerId, bool, f32)>,
    /// Per population: its initial v range, if given.
    pub v0: Vec<(LayerId, f32, f32)>,
    /// Step size (ms).
    pub dt: f64,
    /// Steps to run.
    pub steps: usize,
    /// Seed.
    pub seed: u64,
    /// Layers whose spikes are recorded.
    pub record: Vec<LayerId>,
    /// Batch rows.
    pub batch: usize,
}

/// Whether a TOML file describes a network (it has `[[population]]` or `[[encoder]]` tables).
pub fn is_network_config(text: &str) -> bool {
    text.parse::<Table>()
        .is_ok_and(|t| t.contains_key("population") || t.contains_key("encoder") || t.contains_key("projection"))
}

fn array_of_tables<'a>(file: &Path, top: &'a Table, key: &str) -> Result<Vec<&'a Table>> {
    match top.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::Table(t) => Ok(t),
                other => Err(Error::Config {
                    file: file.to_path_buf(),
                    key: key.to_string(),
                    problem: format!("expected [[{key}]] tables, found {}", other.type_str()),
                }),
            })
            .collect(),
        Some(other) => Err(Error::Config {
            file: file.to_path_buf(),
            key: key.to_string(),
            problem: format!("expected [[{key}]] tables, found {}", other.type_str()),
        }),
    }
}

impl NetworkConfig {
    /// Reads and validates a network file.
    pub fn load(path: &Path) -> Result<NetworkConfig> {
        NetworkConfig::parse(path, &read_text(path)?)
    }

    /// Parses and validates network text (`file` names it in errors; relative weight files are
    /// read beside it).
    pub fn parse(file: &Path, text: &str) -> Result<NetworkConfig> {
        let table = parse_table(file, text)?;
        let mut top = TableReader::new(
            file,
            "",
            &table,
            &[
                "seed",
                "dt",
                "steps",
                "batch",
                "population",
                "encoder",
                "projection",
                "record",
            ],
        )?;
        let seed = top.count("seed", Some(0), 0)?;
        let batch = top.count("batch", Some(1), 1)? as usize;
        let dt = top.step_size()?;
        let steps = top.count("steps", None, 1)? as usize;
        for key in ["population", "encoder", "projection", "record"] {
            top.get(key);
        }
        top.finish()?;
        let mut builder = NetworkBuilder::new(batch, seed);
        let mut layers: Vec<(String, LayerId, usize)> = Vec::new();
        let mut inputs = Vec::new();
        let mut v0 = Vec::new();
        for (i, t) in array_of_tables(file, &table, "population")?.into_iter().enumerate() {
            let prefix = format!("population[{i}]");
            let mut r = TableReader::new(file, &prefix, t, &["name", "cell", "n_units", "params", "drive", "v0"])?;
            let name = r.string("name")?.to_string();
            let entry = r.cell_entry("cell")?;
            let n_units = r.count("n_units", None, 1)? as usize;
            // Per-neuron distributions of population i are drawn from fold_in(seed's key, i).
            let (cell, _) = r.cell_params(entry, n_units, Key::from_seed(seed).fold_in(i as u32))?;
            let drive = r.float("drive", Some(0.0))? as f32;
            let range = match r.get("v0") {
                None => None,
                Some(Value::Array(a)) if a.len() == 2 => {
                    let f = |v: &Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
                    match (f(&a[0]), f(&a[1])) {
                        (Some(lo), Some(hi)) if lo <= hi => Some((lo as f32, hi as f32)),
                        _ => return Err(r.error("v0", "expected [low, high] with low <= high")),
                    }
                }
                Some(_) => return Err(r.error("v0", "expected [low, high]")),
            };
            r.finish()?;
            let id = builder
                .population(&name, cell, n_units)
                .map_err(|e| config_error(file, &prefix, e))?;
            inputs.push((id, true, drive));
            if let Some((lo, hi)) = range {
                v0.push((id, lo, hi));
            }
            layers.push((name, id, n_units));
        }
        for (i, t) in array_of_tables(file, &table, "encoder")?.into_iter().enumerate() {
            let prefix = format!("encoder[{i}]");
            let mut r = TableReader::new(file, &prefix, t, &["name", "kind", "n_units", "target_freq", "input"])?;
            let name = r.string("name")?.to_string();
            let kind = r.string("kind")?;
            let n_units = r.count("n_units", None, 1)? as usize;
            let id = match kind {
                "poisson" => {
                    let f = r.float(
                        "target_freq",
                        Some(f64::from(crate::network::encoders::DEFAULT_TARGET_FREQ)),
                    )?;
                    builder.poisson(&name, n_units, f as f32)
                }
                "bernoulli" => builder.bernoulli(&name, n_units),
                other => {
                    return Err(r.error(
                        "kind",
                        format!(
                            "unknown encoder `{other}` (did you mean `{}`?)",
                            closest(other, ["poisson", "bernoulli"])
                        ),
                    ));
                }
            }
            .map_err(|e| config_error(file, &prefix, e))?;
            let input = r.float("input", Some(0.0))? as f32;
            r.finish()?;
            inputs.push((id, false, input));
            layers.push((name, id, n_units));
        }
        let layer = |r: &TableReader<'_>, key: &'static str, name: &str| -> Result<(LayerId, usize)> {
            layers.iter().find(|l| l.0 == name).map(|l| (l.1, l.2)).ok_or_else(|| {
                r.error(
                    key,
                    format!(
                        "no layer `{name}` (did you mean `{}`?)",
                        closest(name, layers.iter().map(|l| l.0.as_str()))
                    ),
                )
            })
        };
        for (i, t) in array_of_tables(file, &table, "projection")?.into_iter().enumerate() {
            let prefix = format!("projection[{i}]");
            let mut r = TableReader::new(
                file,
                &prefix,
                t,
                &[
                    "name",
                    "from",
                    "to",
                    "connectivity",
                    "p",
                    "k",
                    "weight",
                    "weight_high",
                    "weights_npy",
                    "synapse",
                    "tau",
                    "g_syn_bar",
                    "syn_rest",
                    "delay",
                    "scale",
                    "source",
                    "propagation",
                    "max_signal",
                ],
            )?;
            let name = r.string("name")?.to_string();
            let from_name = r.string("from")?;
            let (from, n_pre) = layer(&r, "from", from_name)?;
            let to_name = r.string("to")?;
            let (to, n_post) = layer(&r, "to", to_name)?;
            let kind = r.string("connectivity")?;
            let connectivity = match kind {
                "dense" => match r.get("weights_npy") {
                    Some(Value::String(npy)) => {
                        let path = file.parent().unwrap_or(Path::new(".")).join(npy);
                        let (values, shape) = crate::npy::read_f32(&path)?;
                        if shape != [n_pre, n_post] {
                            return Err(r.error(
                                "weights_npy",
                                format!(
                                    "{} has shape {shape:?}; this projection needs ({n_pre}, {n_post})",
                                    path.display()
                                ),
                            ));
                        }
                        ConnectivitySpec::Dense(Weights::Values(values))
                    }
                    Some(other) => {
                        return Err(r.error(
                            "weights_npy",
                            format!("expected a file name, found {}", other.type_str()),
                        ));
                    }
                    None => ConnectivitySpec::Dense(weights(&mut r)?),
                },
                "one_to_one" => ConnectivitySpec::OneToOne(weights(&mut r)?),
                "fixed_probability" => ConnectivitySpec::FixedProbability {
                    p: r.float("p", None)?,
                    weight: r.float("weight", None)? as f32,
                },
                "fixed_in_degree" => ConnectivitySpec::FixedInDegree {
                    k: r.count("k", None, 0)? as usize,
                    weight: r.float("weight", None)? as f32,
                },
                "procedural" => ConnectivitySpec::Procedural {
                    p: r.float("p", None)? as f32,
                    weight: r.float("weight", None)? as f32,
                    weight_high: match r.get("weight_high") {
                        None => None,
                        Some(_) => Some(r.float("weight_high", None)? as f32),
                    },
                },
                "procedural_fan_out" => ConnectivitySpec::ProceduralFanOut {
                    k: u32::try_from(r.count("k", None, 1)?).map_err(|_| r.error("k", "must be below 2^32"))?,
                    weight: r.float("weight", None)? as f32,
                    weight_high: match r.get("weight_high") {
                        None => None,
                        Some(_) => Some(r.float("weight_high", None)? as f32),
                    },
                },
                other => {
                    let known = [
                        "dense",
                        "one_to_one",
                        "fixed_probability",
                        "fixed_in_degree",
                        "procedural",
                        "procedural_fan_out",
                    ];
                    return Err(r.error(
                        "connectivity",
                        format!(
                            "unknown connectivity `{other}` (did you mean `{}`?)",
                            closest(other, known)
                        ),
                    ));
                }
            };
            let fan_out = matches!(connectivity, ConnectivitySpec::ProceduralFanOut { .. });
            let mut spec = ProjectionSpec::new(connectivity);
            match r.get("propagation").map(|v| v.as_str()) {
                Some(Some("event")) => spec = spec.event_driven_bounded(r.float("max_signal", Some(1.0))? as f32),
                None if fan_out => spec = spec.event_driven_bounded(r.float("max_signal", Some(1.0))? as f32),
                None | Some(Some("gather")) => {}
                Some(other) => {
                    return Err(r.error(
                        "propagation",
                        format!("expected \"gather\" or \"event\", found {other:?}"),
                    ));
                }
            }
            match r.get("synapse").map(|v| v.as_str()) {
                None | Some(Some("instant")) => {}
                Some(Some("exponential_current")) => spec = spec.exponential_current(r.float("tau", None)? as f32),
                Some(Some("conductance")) => {
                    spec = spec.conductance(
                        r.float("tau", None)? as f32,
                        r.float("g_syn_bar", None)? as f32,
                        r.float("syn_rest", None)? as f32,
                    )
                }
                Some(other) => {
                    return Err(r.error(
                        "synapse",
                        format!("expected \"instant\", \"exponential_current\" or \"conductance\", found {other:?}"),
                    ));
                }
            }
            spec = spec
                .delay(r.count("delay", Some(0), 0)? as usize)
                .scale(r.float("scale", Some(1.0))? as f32);
            if let Some(Value::String(source)) = r.get("source") {
                spec = spec.from_compartment(source);
            }
            r.finish()?;
            builder
                .project(&name, from, to, spec)
                .map_err(|e| config_error(file, &prefix, e))?;
        }
        let mut record = Vec::new();
        if let Some(Value::Table(t)) = table.get("record") {
            let mut r = TableReader::new(file, "record", t, &["spikes"])?;
            match r.get("spikes") {
                None => {}
                Some(Value::Array(names)) => {
                    for n in names {
                        let name = n.as_str().ok_or_else(|| r.error("spikes", "expected layer names"))?;
                        record.push(layer(&r, "spikes", name)?.0);
                    }
                }
                Some(_) => return Err(r.error("spikes", "expected a list of layer names")),
            }
            r.finish()?;
        }
        Ok(NetworkConfig {
            file: file.to_path_buf(),
            builder,
            layers,
            inputs,
            v0,
            dt,
            steps,
            seed,
            record,
            batch,
        })
    }

    /// The network to build on an engine (the config keeps everything else).
    pub fn take_builder(&mut self) -> NetworkBuilder {
        std::mem::replace(&mut self.builder, NetworkBuilder::new(self.batch, self.seed))
    }

    /// Sets the drives, encoder inputs and initial voltages on a built network.
    pub fn prepare<E: NetEngine>(&self, net: &mut Network<E>) -> Result<()> {
        let batch = self.batch;
        for &(id, population, value) in &self.inputs {
            let n = self.layers.iter().find(|l| l.1 == id).map_or(0, |l| l.2) * batch;
            if population {
                net.set_drive(id, &vec![value; n])?;
            } else {
                net.set_input(id, &vec![value; n])?;
            }
        }
        for (k, &(id, lo, hi)) in self.v0.iter().enumerate() {
            let n = self.layers.iter().find(|l| l.1 == id).map_or(0, |l| l.2) * batch;
            net.write(id, "v", &Key::from_seed(self.seed).fold_in(k as u32).uniform(n, lo, hi))?;
        }
        Ok(())
    }

    /// Runs on `net` and writes `<layer>_spikes.npy`, `run.json` and `raster.png` to `out`;
    /// returns the files and each recorded layer's mean rate (Hz).
    pub fn run<E: NetEngine>(&self, net: &mut Network<E>, out: &Path) -> Result<(Vec<PathBuf>, LayerRates)> {
        let batch = self.batch;
        std::fs::create_dir_all(out).map_err(|source| Error::Io {
            path: out.to_path_buf(),
            source,
        })?;
        self.prepare(net)?;
        let mut rates = Vec::new();
        let start = Instant::now();
        let run = net.run(self.steps, self.dt, &NetRecord::spikes(&self.record))?;
        let seconds = start.elapsed().as_secs_f64();
        let mut files = Vec::new();
        let mut summary = serde_json::Map::new();
        let mut bands: Vec<(f64, usize)> = Vec::new();
        let mut offset = 0usize;
        for &id in &self.record {
            let Some((name, _, n)) = self.layers.iter().find(|l| l.1 == id).cloned() else {
                continue;
            };
            let events = run.spike_events(id);
            let rows: Vec<f64> = events
                .iter()
                .flat_map(|&(k, i)| [f64::from(run.times[k]), i as f64])
                .collect();
            let path = out.join(format!("{name}_spikes.npy"));
            crate::npy::write(&path, &rows, &[events.len(), 2])?;
            files.push(path);
            let rate = events.len() as f64 / (n * batch) as f64 / (self.steps as f64 * self.dt * 1e-3);
            summary.insert(
                name.clone(),
                serde_json::json!({"units": n, "spikes": events.len(), "rate_hz": rate}),
            );
            rates.push((name.clone(), rate));
            bands.extend(events.iter().map(|&(k, i)| (f64::from(run.times[k]), offset + i)));
            offset += n * batch;
        }
        let json = serde_json::json!({
            "file": self.file.display().to_string(),
            "steps": self.steps,
            "dt_ms": self.dt,
            "seconds": seconds,
            "layers": summary,
        });
        let path = out.join("run.json");
        std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap_or_default()).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        files.push(path);
        if !self.record.is_empty() {
            let path = out.join("raster.png");
            let names: Vec<&str> = self
                .record
                .iter()
                .filter_map(|id| self.layers.iter().find(|l| l.1 == *id).map(|l| l.0.as_str()))
                .collect();
            let title = format!(
                "{} (bottom to top: {})",
                self.file
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                names.join(", ")
            );
            crate::plot::raster(&path, &title, &bands, self.steps as f64 * self.dt, offset)?;
            files.push(path);
        }
        Ok((files, rates))
    }
}

fn weights(r: &mut TableReader<'_>) -> Result<Weights> {
    let low = r.float("weight", None)? as f32;
    Ok(match r.get("weight_high") {
        None => Weights::Constant(low),
        Some(_) => Weights::Uniform {
            low,
            high: r.float("weight_high", None)? as f32,
        },
    })
}

fn config_error(file: &Path, key: &str, e: Error) -> Error {
    Error::Config {
        file: file.to_path_buf(),
        key: key.to_string(),
        problem: e.to_string(),
    }
}
