// A setup file: runs before each test file, so this afterAll belongs to every file.
import { afterAll } from 'vitest';
import { removeDirsMadeOutsideTests } from './temp-dirs';

afterAll(removeDirsMadeOutsideTests);
