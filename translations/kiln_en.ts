<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>TensorRtEngine</name>
    <message>
        <source>layer %1 (&apos;%2&apos;): &quot;%3&quot; is not a list of tensors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>layer %1 (&apos;%2&apos;): an entry of &quot;%3&quot; has no &quot;Name&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the engine graph is not JSON (%1 at byte %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the engine graph has no &quot;Layers&quot; list: give the file trtexec writes with --exportLayerInfo (and --profilingVerbosity=detailed for the layers&apos; fields)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>layer %1 of the engine graph is neither a name nor an object with a &quot;Name&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the profile is not JSON (%1 at byte %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the profile is not a list of layer records: give the file trtexec writes with --exportProfile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>profile record %1 is not an object</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>profile record %1 has no &quot;name&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>profile record %1 (&apos;%2&apos;): &quot;%3&quot; is not a number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::ActivationHistogramView</name>
    <message>
        <source>|x|</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>values (log scale)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>within the threshold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>clipped (saturate in INT8)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>threshold %1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>|x| of %1 over the calibration data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibrate, then pick a tensor in the table to see its histogram.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::BuildReportView</name>
    <message>
        <source>Summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layers:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activation memory:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tactic timing:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phases:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warnings:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter changes by layer or description</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resulting layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build the model to see what each pass changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 → %2 (%3 executed, %4 elided)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>arena %1 MiB for %2 MiB of activations: %3 % of their size without reuse</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>arena %1 MiB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no tactics were timed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ms timing tactics; timing cache hits: %2, misses: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Total</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>• %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No pass changed the network.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::CalibrationTableModel</name>
    <message>
        <source>Unknown: the scales came from a calibration cache without data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The magnitude INT8&apos;s 127 stands for: scale × 127</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Share of the calibration values above the threshold, saturated to ±127</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>#</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tensor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scale</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max |x|</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clipped</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::CalibrationView</name>
    <message>
        <source>entropy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>min-max</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1th percentile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MSE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The calibration gave no tensor a range.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not calibrated.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, %2, %3</source>
        <extracomment>e.g. &quot;6 tensors, entropy, 4 batches&quot;; %1 is the list of tensors, %2 the algorithm, %3 the batches</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n tensor(s)</source>
        <translation>
            <numerusform>%n tensor</numerusform>
            <numerusform>%n tensors</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n batch(es)</source>
        <translation>
            <numerusform>%n batch</numerusform>
            <numerusform>%n batches</numerusform>
        </translation>
    </message>
    <message>
        <source>No histogram for %1: the scales came from a calibration cache.
Give calibration data and calibrate to see the distributions.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::ComparisonGraphView</name>
    <message>
        <source>Find layer (Ctrl+F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>+</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom in (+)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>−</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom out (-)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the whole graph</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Precision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the node colors show</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Legend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show or hide what the colors mean</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Color by:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build the network to see its layers after fusion.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The build produced no layers.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a model to see its layer graph.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No layer matches “%1”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Before fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Before fusion (%n layer(s))</source>
        <translation>
            <numerusform>Before fusion (%n layer)</numerusform>
            <numerusform>Before fusion (%n layers)</numerusform>
        </translation>
    </message>
    <message>
        <source>After fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>After fusion (%n layer(s))</source>
        <translation>
            <numerusform>After fusion (%n layer)</numerusform>
            <numerusform>After fusion (%n layers)</numerusform>
        </translation>
    </message>
    <message>
        <source>Error vs FP32</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::ComparisonTableModel</name>
    <message>
        <source>Model nodes: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B&apos;s time minus A&apos;s, per run: positive where A is faster</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B&apos;s time over A&apos;s: A&apos;s speed-up (above 1: A is faster)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One value where both engines agree, “A | B” where they differ (tinted)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>#</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B − A ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Speed-up (B/A)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Precision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tactic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Format</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::EngineComparisonView</name>
    <message>
        <source>Could not write &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>there is nothing to draw</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>encoding failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B/A</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency (median ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Executed layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Elided layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activation memory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weights</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chart:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A and B side by side</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Difference (B − A)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compare two engines to see their graphs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not measured</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B&apos;s median latency over A&apos;s: above 1, A is faster</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>other (%1 groups)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A faster (B − A &gt; 0)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B faster (B − A &lt; 0)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B − A, ms per run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ms per run (median)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A %1 ms, B %2 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A %1 ms, B %2 ms, B − A %3 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 more groups, summed
B − A %2 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 more groups, summed
%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A: %1
B: %2
%3</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::EngineMessages</name>
    <message>
        <source>removed %1: no network output depends on it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>removed identity %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>folded %1 into the constant %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>folded %1: range %2 on %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>removed %1 (it pads nothing)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>folded %1 into the padding of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (batch norm %2 folded into the weights)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (scale %2 folded into the weights)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (activation applied as the output is written)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (residual add applied as the output is written)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (activation applied as the product is written)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (bias applied as the product is written)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (residual add applied as the product is written)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (pointwise chain %2 run as one layer)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (one convolution writing each sibling&apos;s output)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (GELU, from %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (GELU, tanh form, from %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (layer normalization, %2, from %3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fused %1 (attention, from %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>merged %1 (one split writing the outputs of %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>elided %1: its inputs already lie back to back in %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>elided %1: %2 are written in place into %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>elided %1: %2 is a view of %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>folded the channel permutation %1 into %2&apos;s output channels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>folded the channel permutation %1 into its readers: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 computes on the unpermuted channels into %2; its readers take the permutation: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reformatted %1 from %2 to %3 for %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>phase %1: %2 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the layer precisions were ignored: precision constraints are &apos;none&apos; (give --precisionConstraints obey or prefer to apply them)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1; it is ignored and will be replaced by this build&apos;s timings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>timing cache &apos;%1&apos; is not a Kiln timing cache; it is ignored and will be replaced by this build&apos;s timings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>timing cache &apos;%1&apos; has format version %2; this Kiln reads version %3; it is ignored and will be replaced by this build&apos;s timings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>timing cache &apos;%1&apos; is truncated or has trailing bytes (%2 body bytes, header says %3); it is ignored and will be replaced by this build&apos;s timings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>timing cache &apos;%1&apos; is corrupt (its hash does not match); it is ignored and will be replaced by this build&apos;s timings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>timing cache &apos;%1&apos; could not be decoded; it is ignored and will be replaced by this build&apos;s timings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>timing cache &apos;%1&apos; was measured by kiln %2 on &apos;%3&apos;; this is kiln %4 on &apos;%5&apos;: its timings do not apply here; it is ignored and will be replaced by this build&apos;s timings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the build failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 &apos;%2&apos; does not exist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is not a valid ONNX model: it is empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is not a valid ONNX model: its bytes do not decode as an ONNX protobuf (the file may be truncated or of another kind)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is not a valid ONNX model: it has no graph, IR version or opset import</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the model imports no version of the default ONNX operator set</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the model uses opset %1; Kiln supports opsets %2 to %3 (convert it with onnx.version_converter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the model has 1 node with operators Kiln does not support: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the model has %1 nodes with operators Kiln does not support: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the ONNX checker rejected %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>constant folding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>QDQ folding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dead-layer elimination</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>identity elimination</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pad folding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>batch-norm folding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>layer-norm fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GELU fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>attention fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MatMul epilogue fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>vertical fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pointwise-chain fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>channel-permutation folding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>slice merging</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>horizontal fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>concat elimination</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reshape elimination</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>format assignment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>kept %1 in %2 (%3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ran %1 in %2 (%3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 runs in %2, not %3 (%4): %5</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 runs linear in its own type: no %2 tactic runs it in %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the plan is empty (0 bytes): not a Kiln plan file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not a Kiln plan file: it does not start with &apos;KILNPLAN&apos;; give a file that &apos;kiln build&apos; wrote</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the plan is truncated: its header declares %1 bytes, but there are %2; copy the file again or rebuild the plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the plan has format version %1; kiln %2 reads format version %3 only: rebuild the plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the plan is corrupt: header hash mismatch; copy the file again or rebuild the plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the plan is corrupt: its weight blob starts at byte %1 instead of %2; rebuild the plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the plan is corrupt: it has %1 bytes after its weight blob; copy the file again or rebuild the plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the plan is corrupt: body hash mismatch; copy the file again or rebuild the plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this plan was built for %1 with kiln %2; this machine is %3 with kiln %4: rebuild the plan</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::GraphLayout</name>
    <message>
        <source>Graphviz could not be started.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Graphviz&apos;s dot layout failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1%2. Export the graph as PNG instead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Graphviz could not start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Graphviz could not read the graph</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Graphviz could not lay the graph out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Graphviz could not render SVG</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::GraphPalette</name>
    <message>
        <source>Convolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pooling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activation / pointwise</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Normalization</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Elementwise</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Concat / shuffle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MatMul / Gemm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Other</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Elided (executes nothing)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plugin</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::GraphView</name>
    <message>
        <source>No layers to show.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Laying out %n layer(s)…</source>
        <translation>
            <numerusform>Laying out %n layer…</numerusform>
            <numerusform>Laying out %n layers…</numerusform>
        </translation>
    </message>
    <message>
        <source>The layer graph could not be laid out: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Precision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>0 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ms (%2 % of total)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not measured</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parameters: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inputs: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outputs: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Precision: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tactic: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From the model&apos;s: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time: %1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Elided: its outputs alias its inputs, it executes nothing.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Network input %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error against FP32</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NaN or overflow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not compared</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error: NaN or overflow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error (%1): %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no graph to export yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The graph is too large for an image of %1 × %2 units.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The image could not be encoded as PNG.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export the graph as a .png or .svg file (not “%1”).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::LayerTableModel</name>
    <message>
        <source>From model nodes: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>#</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outputs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output shape</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::LintView</name>
    <message>
        <source>Warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Info</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Severity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No hints: nothing in this engine&apos;s report looks slower than it should.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n hint(s), %1 of them warnings. Pick one to select its layers.</source>
        <translation>
            <numerusform>%n hint, %1 of them warnings. Pick one to select its layers.</numerusform>
            <numerusform>%n hints, %1 of them warnings. Pick one to select its layers.</numerusform>
        </translation>
    </message>
    <message>
        <source>Build the model or open a plan to see its lint hints.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What to do: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::PrecisionErrorModel</name>
    <message>
        <source>%1 (output)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A network output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model nodes: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Holds NaN or infinity where the FP32 engine does not</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Largest |FP32 value|: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Largest |reduced − FP32| over the tensor&apos;s elements</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Σ|reduced − FP32| / Σ|FP32|</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cosine similarity of the two tensors as vectors; 1 is identical direction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signal-to-noise ratio: 10·log10(Σ FP32² / Σ (reduced − FP32)²)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>#</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tensor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max abs err</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mean rel err</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cosine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SNR (dB)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::PrecisionView</name>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The reduced precision whose errors the chart and the table show</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mean relative error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 − cosine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the chart&apos;s bars and the graph&apos;s colors measure</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NaN or overflow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>median latency (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>mean relative error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compare precisions to see each layer&apos;s error against FP32.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1
%2×</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency per precision</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>median of %n run(s) (ms)</source>
        <translation>
            <numerusform>median of %n run (ms)</numerusform>
            <numerusform>median of %n runs (ms)</numerusform>
        </translation>
    </message>
    <message>
        <source>No comparison yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only the reference was run.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1 against %2: %n tensor(s) compared</source>
        <translation>
            <numerusform>%1 against %2: %n tensor compared</numerusform>
            <numerusform>%1 against %2: %n tensors compared</numerusform>
        </translation>
    </message>
    <message>
        <source>; output %1: cosine %2, mean rel err %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>other (%n layer(s))</source>
        <translation>
            <numerusform>other (%n layer)</numerusform>
            <numerusform>other (%n layers)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>kiln::views::ProfileView</name>
    <message>
        <source>Could not write &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>encoding failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bars:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Execution order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Slowest first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer table as CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile as JSON (trtexec layout)…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chart as PNG…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>End-to-end latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Median</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mean</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>p90</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>p99</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sum of layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>median time per run (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>#</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Precision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tactic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>By layer type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile the built engine to see where the time goes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1
%2, %3 ms (%4 %)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>other (%n layer(s))</source>
        <translation>
            <numerusform>other (%n layer)</numerusform>
            <numerusform>other (%n layers)</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 ms (%2 %)</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n other layer(s): %1 ms (%2 %)</source>
        <translation>
            <numerusform>%n other layer: %1 ms (%2 %)</numerusform>
            <numerusform>%n other layers: %1 ms (%2 %)</numerusform>
        </translation>
    </message>
    <message>
        <source>%1: %2 ms</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::PropertiesPanel</name>
    <message>
        <source>Select a layer or a tensor in the graph to see its properties.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shape</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>omitted optional input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>activation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>network input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>constant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>network output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weights: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shape:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Statistics:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>computing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Count:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Values:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no finite values</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Minimum:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Maximum:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mean:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Std. deviation:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zeros:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2 %)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NaN or infinite:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no layer named &quot;%1&quot; in this network.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attributes:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Provenance:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Required precision:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Precision:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tactic:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>elided: its outputs alias its inputs, nothing runs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output formats:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>times from the timing cache</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>times of an identical layer of this build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>timed during the build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Candidates:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 considered, %2 timed; %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outputs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Some inputs of this layer were made by the build and are not in the network shown, so their shapes and values are not known here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no tensor named &quot;%1&quot; in this network.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (Tensor)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tensor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data type:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 elements, %2 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Producer:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consumers:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alias of:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 from byte %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dynamic range:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>±%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plugin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Version:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Namespace:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fields:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file gives this layer by name only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, on %1 images of the batch</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::ShapeSweepView</name>
    <message>
        <source>median latency (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>latency (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>items/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>runs/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>throughput (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Latency and throughput against %1 (%n shape(s))</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Sweep a dimension of an engine built for a range of shapes to see its latency and throughput against it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::TacticView</name>
    <message>
        <source>Layer:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>median time (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>chosen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>timed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tactic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>vs. chosen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build the model to see the kernels the builder timed for each layer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This build timed no tactics.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timing tactics took %1 ms; timing cache hits: %2, misses: %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a layer in the graph to see the kernels the builder considered for it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a layer of the built engine.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2%3) is elided: its outputs alias its inputs, so it runs no kernel.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2%3): the build recorded no candidates for this layer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2%3) runs %4; the build recorded no other candidates.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2%3): %4 candidates, %5 timed, %6 skipped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chosen: %1 (%2 ms).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Times from the timing cache.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Times of an identical layer timed earlier in this build.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No candidate was timed; the table says why.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1×</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>skipped: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not timed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timed on %1 images of the batch; the chosen tactic runs all of them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ms in the network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close candidates ran again in the network; the chosen one took %1 ms there.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::views::TensorTableModel</name>
    <message>
        <source>input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>constant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>activation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dimensions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Elements</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::workbench::BuildPanel</name>
    <message>
        <source>scalar</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CUDA GPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Declared</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shape to use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open with These Shapes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the model again with the shapes in the table</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Builder options</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>FP32</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>FP16 allowed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>BF16 allowed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>INT8 allowed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Which kernel precisions the builder may choose</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Precision:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Backend:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Fuse layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Off: only what execution needs, no rewriting of the graph</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Optimization:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> MiB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scratch memory a tactic may use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Workspace limit:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timed runs per tactic candidate; the median counts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Timing iterations:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a timing &amp;cache</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the timing cache file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cache file:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timing Cache File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timing caches (*.cache);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not built yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The build log shows each phase, what the passes changed and any warnings.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build log:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Double-click to edit, e.g. 1x3x224x224</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model fixes this shape.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re-open with These Shapes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“%1” is not a shape; write one size per dimension, e.g. 1x3x224x224</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>the model declares %n dimension(s)</source>
        <translation>
            <numerusform>the model declares %n dimension</numerusform>
            <numerusform>the model declares %n dimensions</numerusform>
        </translation>
    </message>
    <message>
        <source>dimension %1 must be at least 1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dimension %1 is fixed to %2 by the model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Input %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build an engine from the open model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Optimization passes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tactic selection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Memory planning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Format selection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Building…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no timing cache</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>timing cache %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build of %1 started: %2, backend %3, fusion %4, workspace %5 MiB, %6 timing iterations, %7.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phase “%1” finished in %2 ms.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Building: %1 (step %2 of %3)…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phase “%1” started (step %2 of %3).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warning: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Built in %1 s: %2 → %3 layers, %4 changes, activation arena %5 MiB (%6 MiB without reuse).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Engine memory: weights %1 MiB (the constants its kernels read and their prepared weights); each execution context %2 MiB (activation arena and workspace).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tactic timing took %1 ms; timing cache hits: %2, misses: %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n layer(s) took the timings of an identical layer.</source>
        <translation>
            <numerusform>%n layer took the timings of an identical layer.</numerusform>
            <numerusform>%n layers took the timings of an identical layer.</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No CUDA device: using the CPU backend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 unavailable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The activation ranges an INT8 build quantizes with, from the Calibration panel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>INT8 ranges:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none: calibrate in the Calibration panel</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n tensor(s)</source>
        <translation>
            <numerusform>%n tensor</numerusform>
            <numerusform>%n tensors</numerusform>
        </translation>
    </message>
    <message>
        <source>INT8 ranges: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To build INT8, calibrate the model in the Calibration panel (with calibration data, or a calibration cache made for this model), then build again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Range min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Range max</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give each symbolic dimension a size, e.g. 1x3x224x224. For an engine that runs a range of shapes, also give the range&apos;s smallest and largest shape: the shape to use is the one tactics are timed at.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave empty for one shape; give min and max for a range, e.g. 1x3x224x224 to 32x3x224x224</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>give both the smallest and the largest shape of the range, or neither</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>range min: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>range max: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dimension %1 must satisfy min ≤ shape to use ≤ max (%2 ≤ %3 ≤ %4)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>model nodes, e.g. conv1, layer4.*:fp16</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model nodes (names, or patterns with * and ?) whose layers run in a precision of their own, separated by commas: a node alone stays in FP32, node:fp16, node:bf16 or node:int8 asks for that precision whatever the build&apos;s. The Precision panel&apos;s bisection fills this in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Layer precisions:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Co&amp;nstraints:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer precisions (%1): %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>obeyed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>preferred</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Obey</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prefer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What a build does with a layer that cannot run in the precision asked for it. Obey: fail, naming it and why. Prefer: run it in the precision it would have had and say so in the log.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shape tensor (%1 × %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Its values decide shapes: double-click and type them, e.g. 2x-1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“%1” are not values; write one integer per value, e.g. 2x-1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the shape tensor holds %1 values; %2 were given</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>value %1 must satisfy min ≤ value to use ≤ max (%2 ≤ %3 ≤ %4)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timing in the network</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::workbench::CalibrationPanel</name>
    <message>
        <source>Open an ONNX model to calibrate it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>INT8 calibration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a .npy batch or a folder of them</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Representative inputs: one batch per .npy file, of the input&apos;s type and shape</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose one .npy batch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a folder of .npy batches</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Data:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration Batch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NumPy arrays (*.npy);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder of Calibration Batches</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Entropy (KL divergence)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Min-max</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Percentile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MSE (least squared error)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How each activation&apos;s histogram becomes a clipping threshold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Algorithm:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The share of |x| values at or below the threshold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>P&amp;ercentile:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>optional: reused when it matches</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A calibration cache is reused when it matches the model, the algorithm and the data, and written after every calibration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the calibration cache file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Cache file:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration Cache File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration caches (*.cache *.txt);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Calibrate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The calibration log says which data and cache were used, and why a cache was not.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not calibrated: give calibration data (or a cache) and press Calibrate.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give calibration data (a .npy batch or a folder of them), or a calibration cache.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading the calibration cache %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading the calibration cache…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration of %1 started: %2 on %3.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibrating…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling the calibration…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%p %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibrated in %1 s: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The calibration cache %1 cannot be used: %2; calibrating again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The calibration cache %1 is not reused: %2; calibrating again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scales reused from the calibration cache %1: it matches the model, the algorithm and the data.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scales loaded from the calibration cache %1 as they are (no data given, so no histograms).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration cache written: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The calibration cache %1 could not be written: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Load Cache</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the scales of the calibration cache, if it was made for this model with this algorithm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run the model on the calibration data and choose every activation&apos;s INT8 range</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::workbench::ComparisonWindow</name>
    <message>
        <source>Compare Engines — Kiln Workbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Engine A:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Engine B:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Engine shown in the workbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plan file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open model, Build panel&apos;s options</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open model, no fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open model, FP16</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plan file (.plan)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profiled runs:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timed runs of each engine, in alternating rounds of ten</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warm-up runs:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compare</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Groups as CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comparison as JSON…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chart as PNG…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window as PNG…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose two engines and press Compare.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, %2 (shown)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (shown)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, Build panel&apos;s options</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, no fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, FP16</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comparing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comparison cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comparison failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not compare the engines. %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Compared in %1 s: %n layer group(s); median latency A %2 ms, B %3 ms (B/A %4).</source>
        <translation>
            <numerusform>Compared in %1 s: %n layer group; median latency A %2 ms, B %3 ms (B/A %4).</numerusform>
            <numerusform>Compared in %1 s: %n layer groups; median latency A %2 ms, B %3 ms (B/A %4).</numerusform>
        </translation>
    </message>
    <message>
        <source>Plan for engine A</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plan for engine B</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kiln plans (*.plan *.engine);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing to export yet: compare two engines first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Written: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export comparison</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::workbench::Document</name>
    <message>
        <source>The model could not be opened with the shapes given for %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file does not exist or is not a regular file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>These inputs have symbolic dimensions: %1. The model does not open with every symbolic dimension at 1, 32 or 224 (at 1: %2): enter a shape for each of them in the Build panel and press “Open with These Shapes”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>These inputs are shape tensors, whose values decide shapes: %1. Type their values under Inputs (e.g. 2x-1) and press “Open with These Shapes”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A Caffe net needs its weights: open the .prototxt together with its .caffemodel (select both), or put %1 beside it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No TensorRT engine is open: open its engine graph JSON first.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::workbench::EngineComparisonJob</name>
    <message>
        <source>the workbench shows no engine yet: build the model or open a plan first, or choose a plan file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no plan file chosen: choose one with “Browse…”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;%1&apos; does not exist: choose an existing plan file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a Kiln plan: choose a plan file (built with “Export Plan…” or kiln build), or compare the open model built with other options</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no model is open: open an ONNX or Caffe model to build it with other options, or choose a plan file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Building %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The comparison was cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The number of runs must be at least 1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The engines have different inputs; are they of one model? Layers match only where their model nodes have the same names.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profiling A and B</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::workbench::Exports</name>
    <message>
        <source>Export Plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kiln plans (*.plan);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writing plan %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plan written to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not export the plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not write the plan to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1

Choose a folder you can write to, with enough free space.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Build Report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON files (*.json);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build report written to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not export the build report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not write %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1

Choose a folder you can write to.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Visible Part of the Graph</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Graph</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SVG drawings (*.svg);;PNG images (*.png)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Graph written to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not export the graph</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Profile as CSV</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV files (*.csv);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Profile as JSON</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Profile Chart</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG images (*.png);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile written to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not export the profile</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::workbench::MainWindow</name>
    <message numerus="yes">
        <source>%n layer(s)</source>
        <translation>
            <numerusform>%n layer</numerusform>
            <numerusform>%n layers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n tensor(s)</source>
        <translation>
            <numerusform>%n tensor</numerusform>
            <numerusform>%n tensors</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open an ONNX model or a Kiln plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open an ONNX model or a Kiln plan (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export &amp;Plan…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the built engine as a plan file for this machine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Build &amp;Report…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save what the build decided as JSON</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile as &amp;CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile as &amp;JSON…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile Chart as &amp;PNG…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pre&amp;ferences…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Optimize the model into an engine with the Build panel&apos;s options</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Cancel Build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the running build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run the engine repeatedly on random inputs and time every layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel P&amp;rofile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Reset Layout</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Pro&amp;file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About Kiln Workbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Main</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Properties</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build Report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tactics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kiln Workbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open an ONNX model to see its layer graph, build an optimized engine, compare the graphs before and after fusion, and profile where the time goes. Use File ▸ Open (%1), or drop a .onnx or .plan file here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Before fusion (model)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>After fusion (engine)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter layers and tensors by name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build the model (or open a plan), then profile it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Model or Plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opened plan %1: %2 layers after fusion (%3 before), backend %4.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Opened model %1: %n layer(s).</source>
        <translation>
            <numerusform>Opened model %1: %n layer.</numerusform>
            <numerusform>Opened model %1: %n layers.</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 needs input shapes: enter them in the Build panel.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>

%1 is still open.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plan built elsewhere</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 was built by another Kiln version or for another machine, so it cannot run here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1

Plans run only where they were built: the same Kiln version, backend and device. Rebuild it from its ONNX model: “Rebuild from Model…” opens the model and starts a build here.%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Damaged plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is not a usable Kiln plan.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1

If the file was copied from elsewhere, copy it again. Otherwise rebuild it from its ONNX model with “Rebuild from Model…”.%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not open model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not open %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1

Check that the file is an ONNX model and is complete (export it again if in doubt), or open another file.%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rebuild from Model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rebuild from Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ONNX models (*.onnx);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Building…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling the build…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Building: %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build finished in %1 s.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build failed: see the Build panel.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The engine is ready to profile.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plan written to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The new language takes effect the next time Kiln starts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Kiln Workbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;h3&gt;Kiln Workbench %1&lt;/h3&gt;&lt;p&gt;Inspect, optimize and profile neural-network models: the layer graph before and after fusion, what each optimization chose, what each kernel candidate cost, and where the time goes.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2 of %3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tensors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Clear Menu</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A plan is already built: open its ONNX model to build again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open an ONNX model first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wait for the profile to finish.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>loading…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>building %1 %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>profiling %1 %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>plan, %1, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>built, %1, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not built</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <comment>file — state</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, %2</source>
        <comment>layer count, tensor count</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 → %2 layers after fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1; %2</source>
        <comment>model summary; engine summary</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 has inputs with symbolic dimensions: give them shapes under Inputs and press “Open with These Shapes”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Precision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A plan is built already: open its ONNX model to calibrate it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A plan is built already: open its ONNX model to compare precisions.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>INT8 ranges from the Calibration panel: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, %2</source>
        <comment>precision, error measure</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Precision comparison finished: the graph is colored by error against FP32.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The bisection keeps no layer in FP32.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The bisection keeps in FP32: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The constraints are in the Build panel: build when the running job is done.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer shapes are shown by symbol (“/” rounds down); the model was imported at assumed sizes (%1): change them under Inputs and press “Open with These Shapes”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Symbolic dimensions are shown at assumed sizes (%1): change them under Inputs and press “Open with These Shapes”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not built: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Building one engine for a range of shapes: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the Net of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caffe nets (*.prototxt);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the Weights of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caffe weights (*.caffemodel);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export &amp;Graph…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the graph after fusion (before fusion while there is no engine), with its colors and legend, as PNG or SVG</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export &amp;Visible Part of the Graph…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the part of the graph in view as PNG or SVG</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plugin libraries not loaded: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models and plans (*.onnx *.prototxt *.caffemodel *.plan *.engine *.json);;ONNX models (*.onnx);;Caffe nets (*.prototxt *.caffemodel);;Kiln plans (*.plan *.engine);;TensorRT engine graphs, trtexec --exportLayerInfo (*.json);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A TensorRT engine is built already: open its ONNX model to calibrate it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A TensorRT engine is built already: open its ONNX model to compare precisions.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Opened TensorRT engine %1: %n layer(s).</source>
        <translation>
            <numerusform>Opened TensorRT engine %1: %n layer.</numerusform>
            <numerusform>Opened TensorRT engine %1: %n layers.</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not read the TensorRT engine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not read %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1

Open the JSON that trtexec writes with --exportLayerInfo (built with --profilingVerbosity=detailed for the layers&apos; fields); its --exportProfile JSON, named *.profile.json beside it, gives the times.%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TensorRT&apos;s exports hold the engine alone: there is no graph before fusion. Open the ONNX model it was built from to see that one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No profile beside the engine: open trtexec&apos;s --exportProfile JSON.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 runs profiled by trtexec; the layers add up to %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Average times per run from %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open TensorRT Profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>trtexec profiles, --exportProfile (*.json);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A TensorRT engine is shown from its JSON exports: Kiln cannot build or run it. Its times come from trtexec&apos;s --exportProfile JSON.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TensorRT engine, %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>TensorRT engine: %n layer(s)</source>
        <translation>
            <numerusform>TensorRT engine: %n layer</numerusform>
            <numerusform>TensorRT engine: %n layers</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Co&amp;mpare Engines…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::workbench::PrecisionJob</name>
    <message>
        <source>Building the %1 engine…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>random inputs in ±%1 (seed %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running the %1 engine and recording every tensor…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timing the %1 engine…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2 layers simulated</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::workbench::PrecisionPanel</name>
    <message>
        <source>NaN or overflow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open an ONNX model to compare its precisions.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compare with FP32</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>FP&amp;16</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;BF16</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;INT8</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Precisions:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>± </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Random inputs are uniform in [−a, a], with a fixed seed: every engine sees the same values</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Random &amp;inputs:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>or a .npy file for the input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a .npy file holding the model&apos;s input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Input for the Comparison</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NumPy arrays (*.npy);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Input file:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timed runs per engine; its latency is their median</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Latency runs:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Co&amp;mpare</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Which layers must stay in FP32?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The compared precision to bisect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every output&apos;s largest error may be at most this share of its largest FP32 magnitude, e.g. 0.01 or 1e-3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tolerance:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bisect:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Bisect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build again with layers kept in FP32, halving the candidates each time, until the fewest that meet the tolerance are found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Apply and Rebuild</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep these nodes in FP32 in the Build panel and build in the bisected precision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model nodes to keep in FP32</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compare first; then bisect a reduced precision.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the precisions to compare with FP32 and press Compare.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>INT8 needs calibrated ranges: calibrate in the Calibration panel</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>INT8 with the ranges of the Calibration panel (%n tensor(s))</source>
        <translation>
            <numerusform>INT8 with the ranges of the Calibration panel (%n tensor)</numerusform>
            <numerusform>INT8 with the ranges of the Calibration panel (%n tensors)</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose at least one precision to compare with FP32.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comparing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The tolerance must be a positive number, e.g. 0.01.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bisecting %1 with tolerance %2…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bisecting: each step is a build and a run…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 %2 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Compared on %1. Median latency of %n run(s): %2.</source>
        <translation>
            <numerusform>Compared on %1. Median latency of %n run: %2.</numerusform>
            <numerusform>Compared on %1. Median latency of %n runs: %2.</numerusform>
        </translation>
    </message>
    <message>
        <source>Bisect to find the fewest layers to keep in FP32.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comparison cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comparison failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Bisection build %1: %n node(s) kept in FP32, worst output error %2 (%3).</source>
        <translation>
            <numerusform>Bisection build %1: %n node kept in FP32, worst output error %2 (%3).</numerusform>
            <numerusform>Bisection build %1: %n nodes kept in FP32, worst output error %2 (%3).</numerusform>
        </translation>
    </message>
    <message>
        <source>meets the tolerance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>too large</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bisection cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bisection failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Even with every %1 layer in FP32 the outputs miss the tolerance %2 (%n build(s) tried).</source>
        <translation>
            <numerusform>Even with every %1 layer in FP32 the outputs miss the tolerance %2 (%n build tried).</numerusform>
            <numerusform>Even with every %1 layer in FP32 the outputs miss the tolerance %2 (%n builds tried).</numerusform>
        </translation>
    </message>
    <message>
        <source>The %1 engine meets the tolerance %2 as it is.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Keep %n node(s) in FP32 to meet the tolerance %1 in %2 (%3 builds tried):</source>
        <translation>
            <numerusform>Keep %n node in FP32 to meet the tolerance %1 in %2 (%3 builds tried):</numerusform>
            <numerusform>Keep %n nodes in FP32 to meet the tolerance %1 in %2 (%3 builds tried):</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose at least one precision to compare with FP32</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build the model in FP32 and in each chosen precision, run them on the same inputs and compare every tensor</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::workbench::PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A new language takes effect the next time Kiln starts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Interface</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Keep tactic timings in a cache file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rebuilds of layers that were timed before on this machine take their timings from the cache.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timing cache &amp;file:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timed &amp;runs:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Warm-up runs:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timing Cache File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timing caches (*.cache);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;move</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Libraries of custom layers, loaded now and at every start. A removed library stays loaded until Kiln restarts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plugins</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plugin Libraries</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shared libraries (*.so);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::workbench::ProfilePanel</name>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timed runs; each layer&apos;s time is its median over them</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Untimed runs first, so that caches and allocations settle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build the model (or open a plan), then profile it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Extents of the first dimension an engine built for a range of shapes lets vary (usually the batch), separated by commas</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sweep</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run the engine at each extent and plot latency and throughput against it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warm-up:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sweep:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profiling: %1 runs after %2 warm-up runs…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profiling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A sweep needs an engine built for a range of shapes: give the input a Range min and max in the Build panel and build.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sweep: “%1” is not an extent between %2 and %3, the range the engine was built for.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sweep: give the extents to run, e.g. 1,2,4,8.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 dimension %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 dimension %2 (%3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sweeping %1 over %2…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sweeping…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling the profile…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sweep of %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sweep finished.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 runs: median %2, mean %3, p90 %4, max %5.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile finished: median %1 per run.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Profile JSON…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the per-layer times trtexec wrote with --exportProfile for this engine</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>kiln::workbench::SelectionSync</name>
    <message>
        <source>In the engine graph JSON</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Inspect, optimize and profile neural-network models.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Build the model once it has loaded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profile the engine once it is built or loaded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A Caffe net&apos;s weights, when they are not beside it under the same name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The ONNX model, Caffe net, Kiln plan or TensorRT engine graph (trtexec --exportLayerInfo) to open.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not open %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the window did not show.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>showed %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the build failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>built %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>profile finished.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit once the file is shown (and built or profiled, when asked): exit status 0 when the window showed it, 1 when it could not be opened or built.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>kiln-workbench: --quit-after-load needs a file to open.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
