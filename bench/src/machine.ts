import { cpus, loadavg, release, totalmem, type } from 'node:os';

/** The machine a run came from. */
export interface MachineInfo {
  /** CPU model name as the OS reports it. */
  cpuModel: string;
  /** Logical processors. */
  logicalCores: number;
  /** Physical memory, bytes. */
  memoryBytes: number;
  /** OS name and kernel release. */
  os: string;
  /** Node.js version. */
  node: string;
  /** 1-minute load average when the run started; other work on the machine skews every figure. */
  loadAverageAtStart: number;
  /** 1-minute load average when the run ended. */
  loadAverageAtEnd?: number;
}

/** Describes this machine. */
export function describeMachine(): MachineInfo {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    logicalCores: processors.length,
    memoryBytes: totalmem(),
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadavg()[0]!,
  };
}
