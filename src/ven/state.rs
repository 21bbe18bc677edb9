//! The state file: the registration (venID, registrationID, vtnID, poll frequency) as JSON,
//! written atomically (temporary file + rename) so that a crash never leaves half a file.

use crate::engine::ven::Registration;
use std::path::Path;

/// Read the registration stored at `path`; `Ok(None)` when the file does not exist.
pub fn load(path: &Path) -> Result<Option<Registration>, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Store `reg` at `path` (`None`: remove the file).
pub fn save(path: &Path, reg: Option<&Registration>) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    match reg {
        Some(r) => {
            let json = serde_json::to_vec_pretty(r).map_err(|e| e.to_string())?;
            let mut tmp = path.as_os_str().to_owned();
            tmp.push(".tmp");
            std::fs::write(&tmp, json).map_err(err)?;
            std::fs::rename(&tmp, path).map_err(err)
        }
        None => match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(err(e)),
            _ => Ok(()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_removal() {
        let dir = std::env::temp_dir().join(format!("oadr-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ven.json");
        assert_eq!(load(&path).unwrap(), None);
        let reg = Registration {
            ven_name: "n".into(),
            ven_id: "v".into(),
            registration_id: "r".into(),
            vtn_id: "t".into(),
            poll_freq: Some(crate::model::Duration::seconds(10)),
        };
        save(&path, Some(&reg)).unwrap();
        assert_eq!(load(&path).unwrap(), Some(reg));
        save(&path, None).unwrap();
        assert_eq!(load(&path).unwrap(), None);
        save(&path, None).unwrap();
        std::fs::write(&path, b"{not json").unwrap();
        assert!(load(&path).unwrap_err().contains("ven.json"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
