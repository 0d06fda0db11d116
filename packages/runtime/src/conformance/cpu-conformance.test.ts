import { createCpuBackend } from '../backend/cpu/cpu-backend.js';
import { describeBackendConformance } from './suite.js';

// The reference against itself: checks that the suite runs and that its cases are well-formed.
describeBackendConformance('cpu', () => createCpuBackend());
