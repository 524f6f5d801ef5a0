package io.kvflow.common;

/** How far a committed output is guaranteed to survive: past a killed process, or past a crash of the machine too. */
public enum Durability {
  /** Renamed into place: complete or absent after the process is killed at any moment. */
  RENAMED,
  /** Also forced to the disk before the rename: complete or absent after a power loss or kernel crash too. */
  FORCED
}
