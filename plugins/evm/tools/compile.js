// Compiles plugins/evm/contracts/*.sol with the pinned solc (standard-JSON input, evmVersion
// shanghai: the default target does not deploy on every node) and writes NAME.abi.json and
// NAME.bin (creation bytecode, hex) to the output directory (default: contracts/build).
// The outputs are committed so that a C++-only build needs no Node; tests/evm checks that
// they are what this script produces.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const contractsDir = path.resolve(__dirname, '..', 'contracts');
const outDir = path.resolve(process.argv[2] || path.join(contractsDir, 'build'));
const sources = {};
for (const file of fs.readdirSync(contractsDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources[file] = { content: fs.readFileSync(path.join(contractsDir, file), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: 'shanghai',
    optimizer: { enabled: true, runs: 200 },
    metadata: { bytecodeHash: 'none' },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) process.stderr.write(e.formattedMessage + '\n');
if (errors.length > 0) process.exit(1);
fs.mkdirSync(outDir, { recursive: true });
for (const file of Object.keys(output.contracts)) {
  for (const [name, c] of Object.entries(output.contracts[file])) {
    if (!c.evm.bytecode.object) continue; // interfaces
    fs.writeFileSync(path.join(outDir, name + '.abi.json'), JSON.stringify(c.abi, null, 2) + '\n');
    fs.writeFileSync(path.join(outDir, name + '.bin'), c.evm.bytecode.object + '\n');
    process.stdout.write(`${name}: ${c.evm.bytecode.object.length / 2} bytes (solc ${solc.version()})\n`);
  }
}
