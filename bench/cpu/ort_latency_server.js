// The ONNX Runtime side of bench/cpu: loads one model with all graph optimizations and a fixed number
// of intra-op threads, then answers commands on standard input, one per line, so that the driver can
// interleave it with Kiln in one run without reloading either:
//   run N      -> "ok T1 T2 ... TN"  (milliseconds of N timed runs)
//   save DIR   -> "ok"               (writes every output of the last run as DIR/<name>.npy)
//   quit
// usage: node ort_latency_server.js MODEL.onnx THREADS NAME=input.npy [NAME=input.npy ...]
// NODE_PATH must name the node_modules folder that holds onnxruntime-node.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const ort = require('onnxruntime-node');
const { readNpy, writeNpy } = require('../../tests/models/ort_reference.js');

async function main() {
    const [modelPath, threadsText, ...inputArgs] = process.argv.slice(2);
    const threads = Number(threadsText);
    if (!modelPath || !(threads >= 1) || inputArgs.length === 0) {
        throw new Error('usage: node ort_latency_server.js MODEL.onnx THREADS NAME=input.npy ...');
    }
    const feeds = {};
    for (const arg of inputArgs) {
        const eq = arg.indexOf('=');
        feeds[arg.slice(0, eq)] = readNpy(arg.slice(eq + 1));
    }
    const session = await ort.InferenceSession.create(modelPath, {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
    });
    let last = null;
    console.log('ready');
    const lines = readline.createInterface({ input: process.stdin });
    for await (const line of lines) {
        const [command, argument] = line.trim().split(/\s+/);
        if (command === 'run') {
            const times = [];
            for (let i = 0; i < Number(argument); ++i) {
                const start = process.hrtime.bigint();
                last = await session.run(feeds);
                times.push(Number(process.hrtime.bigint() - start) / 1e6);
            }
            console.log(`ok ${times.join(' ')}`);
        } else if (command === 'save') {
            fs.mkdirSync(argument, { recursive: true });
            for (const name of session.outputNames) writeNpy(path.join(argument, `${name}.npy`), last[name]);
            console.log('ok');
        } else if (command === 'quit') {
            break;
        } else {
            console.log(`error unknown command '${line}'`);
        }
    }
    process.exit(0);
}

main().catch((error) => {
    console.log(`error ${error.message}`);
    process.exit(1);
});
