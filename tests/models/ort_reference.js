// Computes reference outputs for the model-zoo test with ONNX Runtime (the onnxruntime-node
// package, CPU execution provider): reads float32 .npy inputs, runs the model once, and writes
// every model output as OUT_DIR/<output name>.npy.
//
// usage: node ort_reference.js MODEL.onnx OUT_DIR INPUT_NAME=input.npy [INPUT_NAME=input.npy ...]
// NODE_PATH must name the node_modules folder that holds onnxruntime-node.
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

// Reads a little-endian float32, C-ordered .npy file (format versions 1 to 3).
function readNpy(file) {
    const bytes = fs.readFileSync(file);
    if (bytes.toString('latin1', 0, 6) !== '\x93NUMPY') {
        throw new Error(`${file} is not a .npy file`);
    }
    const major = bytes[6];
    const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
    const headerStart = major === 1 ? 10 : 12;
    const header = bytes.toString('latin1', headerStart, headerStart + headerLength);
    if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header)) {
        throw new Error(`${file}: only little-endian float32 in C order is supported, header is ${header}`);
    }
    const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)[1];
    const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
    const dataStart = headerStart + headerLength;
    const count = dims.reduce((a, b) => a * b, 1);
    // Copy into a fresh buffer: the data offset is not always 4-byte aligned within the file buffer.
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart, dataStart + count * 4));
    return new ort.Tensor('float32', data, dims);
}

// Writes a version 1.0 .npy file, padding the header so the data starts on a 64-byte boundary.
function writeNpy(file, tensor) {
    if (tensor.type !== 'float32') {
        throw new Error(`output of type ${tensor.type} is not supported, only float32`);
    }
    const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
    let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
    const unpadded = 10 + header.length + 1;
    header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
    const prefix = Buffer.alloc(10);
    prefix.write('\x93NUMPY', 0, 'latin1');
    prefix[6] = 1;
    prefix[7] = 0;
    prefix.writeUInt16LE(header.length, 8);
    const data = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]));
}

async function main() {
    const [modelPath, outDir, ...inputArgs] = process.argv.slice(2);
    if (!modelPath || !outDir || inputArgs.length === 0) {
        throw new Error('usage: node ort_reference.js MODEL.onnx OUT_DIR NAME=input.npy ...');
    }
    const feeds = {};
    for (const arg of inputArgs) {
        const eq = arg.indexOf('=');
        if (eq <= 0) {
            throw new Error(`input "${arg}" must be NAME=FILE.npy`);
        }
        feeds[arg.slice(0, eq)] = readNpy(arg.slice(eq + 1));
    }
    // Single-threaded and without graph rewrites, so the reference is computed the plain way.
    const session = await ort.InferenceSession.create(modelPath, {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'disabled',
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
    });
    const results = await session.run(feeds);
    fs.mkdirSync(outDir, { recursive: true });
    for (const name of session.outputNames) {
        writeNpy(path.join(outDir, `${name}.npy`), results[name]);
        console.log(`${name}: [${results[name].dims.join(', ')}]`);
    }
}

if (require.main === module) {
    main().catch((error) => {
        console.error(`ort_reference: ${error.message}`);
        process.exit(1);
    });
}

module.exports = { readNpy, writeNpy };
