//! `spikegpu run CONFIG.toml`: a population, its drive and its recording described in a TOML
//! file, run on a chosen backend, with the results written as NumPy `.npy` files and a
//! `run.json` summary.
//!
//! ```toml
//! cell = "LIFCell"        # ngclearn class name or spikegpu key
//! n_units = 1000
//! batch = 1               # optional, default 1
//! seed = 7                # jax.random.PRNGKey(seed); optional, default 0
//! dt = 0.1                # ms
//! steps = 2000
//!
//! [params]                # the cell's constructor keyword arguments, ngclearn names
//! tau_m = 10.0
//! thr = { uniform = [-55.0, -50.0] }   # per neuron: an array of n_units numbers, or
//!                                      # { uniform = [low, high] } / { normal = [mean, std] }
//!                                      # drawn from `seed` (cells::heterogeneous)
//!
//! [drive]                 # constant | per_neuron_uniform | poisson | bernoulli
//! kind = "constant"
//! value = 30.0            # constant: value; per_neuron_uniform: low, high, seed;
//!                         # poisson: rate_hz, amplitude, seed; bernoulli: p, amplitude, seed
//!
//! [record]                # optional
//! spikes = true
//! compartments = ["v"]
//! neurons = [0, 1, 2]     # flat indices b·N + n
//! every = 1
//! ```
//!
//! Besides the NumPy files, the run draws `raster.png` (every spike) and `<compartment>.png`
//! (the recorded neurons' traces) with labelled axes.
//!
//! # Time stamps
//! Step `k` of a run (0-based) is stamped `t_k = t0 + k·dt` (`t0` = 0 for a fresh population),
//! as ngclearn's loop passes `t` to `advance_state`. Everything the run writes uses that one
//! clock: a spike of step `k` is at `t_k` in `spikes.npy` (it is also the `tols` the cell
//! stores), and a compartment sampled after step `k` is at `t_k` in `run.json`'s
//! `sample_times_ms` and on the x axis of the trace plots. So a spike and the reset it causes
//! line up, as in the golden traces, whose `outputs[k]` pairs with `t[k]`.
//!
//! # Non-finite state
//! An explicit integrator can diverge (e.g. FitzHugh–Nagumo with Euler at dt = 1 ms and a
//! strong input). After a run, every compartment is checked; the ones holding NaN or ±inf are
//! listed in [`RunOutput::non_finite`] and in `run.json` (`non_finite`), with how many values
//! and, when a recorded neuron's samples show it, the first step it was seen.
//!
//! Every key is checked: an unknown or misspelled key is an error naming the file, the key and
//! the closest known name; a value of the wrong type or out of range says what was expected.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use serde_json::{Map, Value as Json};
use toml::{Table, Value};

use crate::backend::Backend;
use crate::cells::{self, CellModel, params::closest};
use crate::error::{Error, Result};
use crate::npy;
use crate::plot;
use crate::population::Population;
use crate::rng::Key;
use crate::run::{Drive, Record};

/// How each step's input is generated.
#[derive(Debug, Clone, PartialEq)]
pub enum DriveConfig {
    /// The same current everywhere.
    Constant(f32),
    /// One current per neuron, drawn uniformly in `[low, high)` from `seed`.
    PerNeuronUniform {
        /// Lower bound.
        low: f32,
        /// Upper bound.
        high: f32,
        /// Seed of the draw.
        seed: u64,
    },
    /// Poisson input trains.
    Poisson {
        /// Rate (Hz).
        rate_hz: f32,
        /// Current of one input spike.
        amplitude: f32,
        /// Seed.
        seed: u64,
    },
    /// Bernoulli input trains.
    Bernoulli {
        /// Probability per step.
        p: f32,
        /// Current of one input spike.
        amplitude: f32,
        /// Seed.
        seed: u64,
    },
}

/// A parsed and validated run configuration.
#[derive(Debug)]
pub struct RunConfig {
    /// The file it came from.
    pub file: PathBuf,
    /// The cell model.
    pub cell: Box<dyn CellModel>,
    /// The `[params]` table as given.
    pub params: Map<String, Json>,
    /// Units per row.
    pub n_units: usize,
    /// Batch rows.
    pub batch: usize,
    /// PRNG seed.
    pub seed: u64,
    /// Step size (ms).
    pub dt: f64,
    /// Steps to run.
    pub steps: usize,
    /// The drive.
    pub drive: DriveConfig,
    /// What to record.
    pub record: Record,
}

/// Reads keys out of one TOML table, remembering which were used.
pub(crate) struct TableReader<'a> {
    file: &'a Path,
    prefix: &'a str,
    table: &'a Table,
    used: Vec<&'static str>,
}

impl<'a> TableReader<'a> {
    /// A reader of `table`, whose keys must be among `known`: a misspelled key is reported
    /// (with the closest known one) before anything is read.
    pub(crate) fn new(file: &'a Path, prefix: &'a str, table: &'a Table, known: &[&'static str]) -> Result<Self> {
        let reader = TableReader {
            file,
            prefix,
            table,
            used: Vec::new(),
        };
        if let Some(key) = table.keys().find(|k| !known.contains(&k.as_str())) {
            let closest = closest(key, known.iter().copied());
            return Err(reader.error(key, format!("unknown key (did you mean `{closest}`?)")));
        }
        Ok(reader)
    }

    pub(crate) fn error(&self, key: &str, problem: impl Into<String>) -> Error {
        let key = if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        };
        Error::Config {
            file: self.file.to_path_buf(),
            key,
            problem: problem.into(),
        }
    }

    pub(crate) fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.used.push(key);
        self.table.get(key)
    }

    pub(crate) fn required(&mut self, key: &'static str, expected: &str) -> Result<&'a Value> {
        self.get(key)
            .ok_or_else(|| self.error(key, format!("missing; expected {expected}")))
    }

    pub(crate) fn float(&mut self, key: &'static str, default: Option<f64>) -> Result<f64> {
        match (self.get(key), default) {
            (None, Some(d)) => Ok(d),
            (None, None) => Err(self.error(key, "missing; expected a number")),
            (Some(Value::Float(x)), _) if x.is_finite() => Ok(*x),
            (Some(Value::Float(x)), _) => Err(self.error(key, format!("expected a finite number, found {x}"))),
            (Some(Value::Integer(i)), _) => Ok(*i as f64),
            (Some(other), _) => Err(self.error(key, format!("expected a number, found {}", other.type_str()))),
        }
    }

    pub(crate) fn count(&mut self, key: &'static str, default: Option<u64>, minimum: u64) -> Result<u64> {
        let value = match (self.get(key), default) {
            (None, Some(d)) => d,
            (None, None) => return Err(self.error(key, "missing; expected a whole number")),
            (Some(Value::Integer(i)), _) if *i >= 0 => *i as u64,
            (Some(other), _) => {
                return Err(self.error(key, format!("expected a whole number ≥ {minimum}, found {other}")));
            }
        };
        if value < minimum {
            return Err(self.error(key, format!("expected a whole number ≥ {minimum}, found {value}")));
        }
        Ok(value)
    }

    pub(crate) fn string(&mut self, key: &'static str) -> Result<&'a str> {
        match self.required(key, "a string")? {
            Value::String(s) => Ok(s.as_str()),
            other => Err(self.error(key, format!("expected a string, found {}", other.type_str()))),
        }
    }

    /// The registered cell named (ngclearn class name or key) at `key`; an unknown name gets the
    /// closest known one.
    pub(crate) fn cell_entry(&mut self, key: &'static str) -> Result<&'static cells::CellEntry> {
        let name = self.string(key)?;
        cells::lookup(name).map_err(|_| {
            let known: Vec<&str> = cells::CELLS.iter().flat_map(|e| [e.class_name, e.key]).collect();
            let closest = closest(name, known.iter().copied());
            self.error(key, format!("unknown cell `{name}` (did you mean `{closest}`?)"))
        })
    }

    /// The `params` table (ngclearn keyword arguments) built into a model of `entry` for
    /// `n_units` neurons; a float parameter may be per neuron (an array of `n_units` numbers,
    /// or `{ uniform = [low, high] }` / `{ normal = [mean, std] }` drawn from `key`, see
    /// [`cells::heterogeneous`]).
    pub(crate) fn cell_params(
        &mut self,
        entry: &'static cells::CellEntry,
        n_units: usize,
        key: crate::rng::Key,
    ) -> Result<(Box<dyn CellModel>, Map<String, Json>)> {
        let mut params = Map::new();
        match self.get("params") {
            None => {}
            Some(Value::Table(t)) => {
                for (k, v) in t {
                    params.insert(k.clone(), to_json(self.file, k, v)?);
                }
            }
            Some(other) => return Err(self.error("params", format!("expected a table, found {}", other.type_str()))),
        }
        let cell = cells::heterogeneous::from_params(entry, &params, n_units, key)
            .map_err(|e| self.error("params", e.to_string()))?;
        Ok((cell, params))
    }

    /// The step size `dt` (ms), positive.
    pub(crate) fn step_size(&mut self) -> Result<f64> {
        let dt = self.float("dt", None)?;
        if !(dt.is_finite() && dt > 0.0) {
            return Err(self.error("dt", format!("expected a positive step size in ms, found {dt}")));
        }
        Ok(dt)
    }

    /// Fails on a known key that this configuration does not use (e.g. `value` with a Poisson
    /// drive), naming the keys it does use.
    pub(crate) fn finish(self) -> Result<()> {
        if let Some(key) = self.table.keys().find(|k| !self.used.contains(&k.as_str())) {
            return Err(self.error(
                key,
                format!("not used here; the keys used are: {}", self.used.join(", ")),
            ));
        }
        Ok(())
    }
}

pub(crate) fn to_json(file: &Path, key: &str, value: &Value) -> Result<Json> {
    let bad = |what: &str| Error::Config {
        file: file.to_path_buf(),
        key: format!("params.{key}"),
        problem: format!("unsupported value type {what}"),
    };
    Ok(match value {
        Value::String(s) => Json::String(s.clone()),
        Value::Integer(i) => Json::from(*i),
        Value::Float(x) => serde_json::Number::from_f64(*x)
            .map(Json::Number)
            .ok_or_else(|| bad("(non-finite float)"))?,
        Value::Boolean(b) => Json::Bool(*b),
        // Per-neuron values: an array, or a distribution table (cells::heterogeneous).
        Value::Array(items) => Json::Array(items.iter().map(|v| to_json(file, key, v)).collect::<Result<_>>()?),
        Value::Table(t) => Json::Object(
            t.iter()
                .map(|(k, v)| Ok((k.clone(), to_json(file, key, v)?)))
                .collect::<Result<_>>()?,
        ),
        other => return Err(bad(other.type_str())),
    })
}

/// The text of a configuration file.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Configuration text as a TOML table (`file` names it in errors).
pub(crate) fn parse_table(file: &Path, text: &str) -> Result<Table> {
    text.parse().map_err(|e: toml::de::Error| Error::Config {
        file: file.to_path_buf(),
        key: "(file)".into(),
        problem: format!("not valid TOML: {e}"),
    })
}

impl RunConfig {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<RunConfig> {
        RunConfig::parse(path, &read_text(path)?)
    }

    /// Parses and validates configuration text (`file` names it in errors).
    pub fn parse(file: &Path, text: &str) -> Result<RunConfig> {
        let table = parse_table(file, text)?;
        let mut top = TableReader::new(
            file,
            "",
            &table,
            &[
                "cell", "n_units", "batch", "seed", "dt", "steps", "params", "drive", "record",
            ],
        )?;
        let entry = top.cell_entry("cell")?;
        let n_units = top.count("n_units", None, 1)? as usize;
        let batch = top.count("batch", Some(1), 1)? as usize;
        let seed = top.count("seed", Some(0), 0)?;
        let dt = top.step_size()?;
        let steps = top.count("steps", None, 1)? as usize;
        let (cell, params) = top.cell_params(entry, n_units, crate::rng::Key::from_seed(seed))?;
        let drive_table = match top.required("drive", "a table with `kind`")? {
            Value::Table(t) => t,
            other => return Err(top.error("drive", format!("expected a table, found {}", other.type_str()))),
        };
        let drive = parse_drive(file, drive_table)?;
        let record = match top.get("record") {
            None => Record::none(),
            Some(Value::Table(t)) => parse_record(file, t, n_units * batch)?,
            Some(other) => return Err(top.error("record", format!("expected a table, found {}", other.type_str()))),
        };
        for name in &record.compartments {
            cells::compartment_index(cell.as_ref(), name).map_err(|e| Error::Config {
                file: file.to_path_buf(),
                key: "record.compartments".into(),
                problem: e.to_string(),
            })?;
        }
        top.finish()?;
        Ok(RunConfig {
            file: file.to_path_buf(),
            cell,
            params,
            n_units,
            batch,
            seed,
            dt,
            steps,
            drive,
            record,
        })
    }
}

fn parse_drive(file: &Path, table: &Table) -> Result<DriveConfig> {
    let mut r = TableReader::new(
        file,
        "drive",
        table,
        &["kind", "value", "low", "high", "seed", "rate_hz", "amplitude", "p"],
    )?;
    let kind = r.string("kind")?;
    let drive = match kind {
        "constant" => DriveConfig::Constant(r.float("value", None)? as f32),
        "per_neuron_uniform" => {
            let (low, high) = (r.float("low", None)? as f32, r.float("high", None)? as f32);
            if low > high {
                return Err(r.error("high", format!("expected high ≥ low, found {low} > {high}")));
            }
            DriveConfig::PerNeuronUniform {
                low,
                high,
                seed: r.count("seed", Some(0), 0)?,
            }
        }
        "poisson" => DriveConfig::Poisson {
            rate_hz: r.float("rate_hz", None)? as f32,
            amplitude: r.float("amplitude", None)? as f32,
            seed: r.count("seed", Some(0), 0)?,
        },
        "bernoulli" => DriveConfig::Bernoulli {
            p: r.float("p", None)? as f32,
            amplitude: r.float("amplitude", None)? as f32,
            seed: r.count("seed", Some(0), 0)?,
        },
        other => {
            let kinds = ["constant", "per_neuron_uniform", "poisson", "bernoulli"];
            let closest = closest(other, kinds.iter().copied());
            return Err(r.error(
                "kind",
                format!(
                    "unknown drive `{other}` (did you mean `{closest}`?); use one of {}",
                    kinds.join(", ")
                ),
            ));
        }
    };
    r.finish()?;
    Ok(drive)
}

fn parse_record(file: &Path, table: &Table, total: usize) -> Result<Record> {
    let mut r = TableReader::new(file, "record", table, &["spikes", "compartments", "neurons", "every"])?;
    let spikes = match r.get("spikes") {
        None => false,
        Some(Value::Boolean(b)) => *b,
        Some(other) => return Err(r.error("spikes", format!("expected true or false, found {other}"))),
    };
    let compartments = match r.get("compartments") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| r.error("compartments", "expected a list of compartment names"))
            })
            .collect::<Result<Vec<_>>>()?,
        Some(_) => return Err(r.error("compartments", "expected a list of compartment names")),
    };
    let neurons = match r.get("neurons") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v.as_integer() {
                Some(i) if i >= 0 && (i as usize) < total => Ok(i as usize),
                _ => Err(r.error(
                    "neurons",
                    format!("expected flat neuron indices in 0..{total}, found {v}"),
                )),
            })
            .collect::<Result<Vec<_>>>()?,
        Some(_) => return Err(r.error("neurons", "expected a list of neuron indices")),
    };
    let every = r.count("every", Some(1), 1)? as usize;
    r.finish()?;
    Ok(Record {
        spikes,
        compartments,
        neurons,
        every,
    })
}

/// What a run produced, as written to the output folder.
#[derive(Debug)]
pub struct RunOutput {
    /// Spikes in the run.
    pub spikes: u64,
    /// Wall time of the run (s).
    pub seconds: f64,
    /// The files written.
    pub files: Vec<PathBuf>,
    /// The compartments whose state stopped being finite; empty for a sound run.
    pub non_finite: Vec<NonFinite>,
}

/// A compartment holding NaN or ±inf after a run: the state diverged (typically an explicit
/// integrator's blow-up at too large a step).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NonFinite {
    /// The compartment's name.
    pub compartment: String,
    /// Non-finite values at the end of the run.
    pub count: usize,
    /// Values in the compartment (B·N).
    pub total: usize,
    /// The first step after which a recorded neuron's sample of this compartment was non-finite;
    /// `None` when the compartment was not recorded or its recorded samples stayed finite (the
    /// divergence then happened somewhere in the run, in neurons that were not recorded).
    pub first_seen_step: Option<usize>,
    /// The time stamp of `first_seen_step` (ms).
    pub first_seen_ms: Option<f64>,
}

impl std::fmt::Display for NonFinite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the state is not finite: `{}` holds NaN or ±inf in {} of {} values at the end of the run",
            self.compartment, self.count, self.total
        )?;
        match (self.first_seen_step, self.first_seen_ms) {
            (Some(k), Some(t)) => write!(f, " (first seen in a recorded neuron after step {k}, t = {t} ms)"),
            _ => write!(f, " (first step unknown: no recorded neuron's sample shows it)"),
        }
    }
}

impl RunConfig {
    /// The drive's values for this population.
    fn per_neuron_values(&self) -> Option<Vec<f32>> {
        match self.drive {
            DriveConfig::PerNeuronUniform { low, high, seed } => Some(if low == high {
                vec![low; self.n_units * self.batch]
            } else {
                Key::from_seed(seed).uniform(self.n_units * self.batch, low, high)
            }),
            _ => None,
        }
    }

    /// Every compartment of `pop` that holds a non-finite value after the run, with the first
    /// sampled step at which a recorded neuron showed one (`traces` as recorded, sample-major).
    fn non_finite_state<B: Backend>(
        &self,
        pop: &mut Population<B>,
        traces: &[Vec<f32>],
        sample_steps: &[usize],
        sample_times: &[f64],
    ) -> Result<Vec<NonFinite>> {
        let recorded_neurons = self.record.neurons.len().max(1);
        let mut found = Vec::new();
        for comp in self.cell.compartments() {
            let values = pop.read(comp.name)?;
            let count = values.iter().filter(|x| !x.is_finite()).count();
            let first_sample = self
                .record
                .compartments
                .iter()
                .position(|c| c == comp.name)
                .and_then(|c| traces[c].iter().position(|x| !x.is_finite()))
                .map(|i| i / recorded_neurons);
            if count > 0 || first_sample.is_some() {
                found.push(NonFinite {
                    compartment: comp.name.to_string(),
                    count,
                    total: values.len(),
                    first_seen_step: first_sample.map(|i| sample_steps[i]),
                    first_seen_ms: first_sample.map(|i| sample_times[i]),
                });
            }
        }
        Ok(found)
    }

    /// Runs the configuration on `pop` (built from it), in chunks so that `progress` can report,
    /// and writes `spikes.npy`, one `<compartment>.npy` per recorded compartment and `run.json`
    /// to `out`.
    pub fn run<B: Backend>(
        &self,
        pop: &mut Population<B>,
        out: &Path,
        mut progress: impl FnMut(usize),
    ) -> Result<RunOutput> {
        std::fs::create_dir_all(out).map_err(|source| Error::Io {
            path: out.to_path_buf(),
            source,
        })?;
        let values = self.per_neuron_values();
        let drive = match (&self.drive, &values) {
            (DriveConfig::Constant(v), _) => Drive::Constant(*v),
            (DriveConfig::PerNeuronUniform { .. }, Some(v)) => Drive::PerNeuron(v),
            (
                DriveConfig::Poisson {
                    rate_hz,
                    amplitude,
                    seed,
                },
                _,
            ) => Drive::Poisson {
                rate_hz: *rate_hz,
                amplitude: *amplitude,
                seed: *seed,
            },
            (DriveConfig::Bernoulli { p, amplitude, seed }, _) => Drive::Bernoulli {
                p: *p,
                amplitude: *amplitude,
                seed: *seed,
            },
            (DriveConfig::PerNeuronUniform { .. }, None) => {
                unreachable!("per_neuron_values gives values for this drive")
            }
        };
        // Chunks of whole sampling periods, so chunked sampling equals a whole run's.
        let every = self.record.every.max(1);
        let chunk = every * 1000usize.div_ceil(every);
        // The clock of every output (see the module docs): step k is stamped t_k = t0 + k·dt.
        let t_start = pop.next_time();
        let time_of = |k: usize| t_start + k as f64 * self.dt;
        let start = Instant::now();
        let mut events: Vec<f64> = Vec::new();
        let mut spike_counts = vec![0u64; self.n_units * self.batch];
        let mut traces: Vec<Vec<f32>> = vec![Vec::new(); self.record.compartments.len()];
        let mut sample_steps: Vec<usize> = Vec::new();
        let mut done = 0;
        while done < self.steps {
            let len = chunk.min(self.steps - done);
            let rec = pop.run(len, self.dt, drive, &self.record)?;
            for (k, b, n) in rec.spike_events() {
                let flat = b * self.n_units + n;
                events.push(time_of(done + k));
                events.push(flat as f64);
                spike_counts[flat] += 1;
            }
            for (c, name) in self.record.compartments.iter().enumerate() {
                traces[c].extend_from_slice(&rec.traces[name]);
            }
            sample_steps.extend(rec.sample_steps.iter().map(|s| s + done));
            done += len;
            progress(done);
        }
        let seconds = start.elapsed().as_secs_f64();
        let sample_times: Vec<f64> = sample_steps.iter().map(|&k| time_of(k)).collect();
        let non_finite = self.non_finite_state(pop, &traces, &sample_steps, &sample_times)?;
        let mut files = Vec::new();
        let spikes_path = out.join("spikes.npy");
        npy::write(&spikes_path, &events, &[events.len() / 2, 2])?;
        files.push(spikes_path);
        for (c, name) in self.record.compartments.iter().enumerate() {
            let path = out.join(format!("{name}.npy"));
            npy::write(&path, &traces[c], &[sample_steps.len(), self.record.neurons.len()])?;
            files.push(path);
        }
        // Pictures: the raster, and each recorded compartment's traces.
        let total = self.n_units * self.batch;
        let title = format!("{} × {}", self.cell.entry().class_name, total);
        let raster_path = out.join("raster.png");
        let dots: Vec<(f64, usize)> = events.chunks(2).map(|e| (e[0], e[1] as usize)).collect();
        plot::raster(
            &raster_path,
            &format!("{title}: spikes"),
            &dots,
            time_of(self.steps),
            total,
        )?;
        files.push(raster_path);
        for (c, name) in self.record.compartments.iter().enumerate() {
            let n = self.record.neurons.len();
            let series: Vec<(String, Vec<f64>)> = self
                .record
                .neurons
                .iter()
                .enumerate()
                .map(|(j, neuron)| {
                    (
                        format!("neuron {neuron}"),
                        traces[c].iter().skip(j).step_by(n).map(|&x| f64::from(x)).collect(),
                    )
                })
                .collect();
            let path = out.join(format!("{name}.png"));
            plot::lines(
                &path,
                &format!("{title}: {name}"),
                "time (ms)",
                name,
                &sample_times,
                &series,
            )?;
            files.push(path);
        }
        let total_spikes: u64 = spike_counts.iter().sum();
        let summary = serde_json::json!({
            "config": self.file.display().to_string(),
            "cell": self.cell.entry().class_name,
            "variant": self.cell.variant_name(),
            "params": self.params,
            // Every parameter with the defaults filled in, as the validated cell holds them.
            "resolved": format!("{:?}", self.cell),
            "n_units": self.n_units,
            "batch": self.batch,
            "seed": self.seed,
            "dt_ms": self.dt,
            "steps": self.steps,
            "drive": format!("{:?}", self.drive),
            "backend": pop.backend().describe(),
            "seconds": seconds,
            "neuron_steps_per_s": (self.n_units * self.batch * self.steps) as f64 / seconds,
            "spikes": total_spikes,
            "mean_rate_hz": total_spikes as f64 / (self.n_units * self.batch) as f64 / (self.steps as f64 * self.dt / 1000.0),
            "spikes_npy": "float64 (n_spikes, 2): time (ms), flat neuron index b·N + n",
            "recorded_neurons": self.record.neurons,
            "sample_times_ms": sample_times,
            "sample_times": "t0 + k·dt for a sample taken after step k (0-based): the clock of spikes.npy and tols",
            "non_finite": non_finite,
            "trace_npy": "float32 (samples, recorded neurons) per compartment",
        });
        let json_path = out.join("run.json");
        let text = serde_json::to_string_pretty(&summary).map_err(|e| Error::InvalidShape(e.to_string()))?;
        std::fs::write(&json_path, text).map_err(|source| Error::Io {
            path: json_path.clone(),
            source,
        })?;
        files.push(json_path);
        Ok(RunOutput {
            spikes: total_spikes,
            seconds,
            files,
            non_finite,
        })
    }
}
