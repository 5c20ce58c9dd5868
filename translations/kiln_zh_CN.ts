<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>TensorRtEngine</name>
    <message>
        <source>layer %1 (&apos;%2&apos;): &quot;%3&quot; is not a list of tensors</source>
        <translation>第 %1 层（“%2”）：“%3”不是张量列表</translation>
    </message>
    <message>
        <source>layer %1 (&apos;%2&apos;): an entry of &quot;%3&quot; has no &quot;Name&quot;</source>
        <translation>第 %1 层（“%2”）：“%3”中有一项没有“Name”</translation>
    </message>
    <message>
        <source>the engine graph is not JSON (%1 at byte %2)</source>
        <translation>引擎图不是 JSON（第 %2 字节处：%1）</translation>
    </message>
    <message>
        <source>the engine graph has no &quot;Layers&quot; list: give the file trtexec writes with --exportLayerInfo (and --profilingVerbosity=detailed for the layers&apos; fields)</source>
        <translation>引擎图没有“Layers”列表：请提供 trtexec 用 --exportLayerInfo 写出的文件（要得到各层的字段，还需 --profilingVerbosity=detailed）</translation>
    </message>
    <message>
        <source>layer %1 of the engine graph is neither a name nor an object with a &quot;Name&quot;</source>
        <translation>引擎图的第 %1 层既不是名称，也不是带“Name”的对象</translation>
    </message>
    <message>
        <source>the profile is not JSON (%1 at byte %2)</source>
        <translation>性能剖析文件不是 JSON（第 %2 字节处：%1）</translation>
    </message>
    <message>
        <source>the profile is not a list of layer records: give the file trtexec writes with --exportProfile</source>
        <translation>性能剖析文件不是层记录列表：请提供 trtexec 用 --exportProfile 写出的文件</translation>
    </message>
    <message>
        <source>profile record %1 is not an object</source>
        <translation>性能剖析记录 %1 不是对象</translation>
    </message>
    <message>
        <source>profile record %1 has no &quot;name&quot;</source>
        <translation>性能剖析记录 %1 没有“name”</translation>
    </message>
    <message>
        <source>profile record %1 (&apos;%2&apos;): &quot;%3&quot; is not a number</source>
        <translation>性能剖析记录 %1（“%2”）：“%3”不是数字</translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
</context>
<context>
    <name>kiln::views::ActivationHistogramView</name>
    <message>
        <source>|x|</source>
        <translation>|x|</translation>
    </message>
    <message>
        <source>values (log scale)</source>
        <translation>数值（对数刻度）</translation>
    </message>
    <message>
        <source>within the threshold</source>
        <translation>阈值以内</translation>
    </message>
    <message>
        <source>clipped (saturate in INT8)</source>
        <translation>被截断（在 INT8 中饱和）</translation>
    </message>
    <message>
        <source>threshold %1 (%2)</source>
        <translation>阈值 %1（%2）</translation>
    </message>
    <message>
        <source>|x| of %1 over the calibration data</source>
        <translation>%1 在校准数据上的 |x|</translation>
    </message>
    <message>
        <source>Calibrate, then pick a tensor in the table to see its histogram.</source>
        <translation>先进行校准，然后在表格中选择一个张量即可查看其直方图。</translation>
    </message>
</context>
<context>
    <name>kiln::views::BuildReportView</name>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Phase</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Time (ms)</source>
        <translation>时间 (ms)</translation>
    </message>
    <message>
        <source>Layers:</source>
        <translation>层：</translation>
    </message>
    <message>
        <source>Activation memory:</source>
        <translation>激活内存：</translation>
    </message>
    <message>
        <source>Tactic timing:</source>
        <translation>策略计时：</translation>
    </message>
    <message>
        <source>Phases:</source>
        <translation>阶段：</translation>
    </message>
    <message>
        <source>Warnings:</source>
        <translation>警告：</translation>
    </message>
    <message>
        <source>Filter changes by layer or description</source>
        <translation>按层或描述筛选更改</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>更改</translation>
    </message>
    <message>
        <source>Resulting layers</source>
        <translation>生成的层</translation>
    </message>
    <message>
        <source>Build the model to see what each pass changed.</source>
        <translation>构建模型后即可查看每个优化步骤做了哪些更改。</translation>
    </message>
    <message>
        <source>%1 → %2 (%3 executed, %4 elided)</source>
        <translation>%1 → %2（执行 %3 个，省略 %4 个）</translation>
    </message>
    <message>
        <source>arena %1 MiB for %2 MiB of activations: %3 % of their size without reuse</source>
        <translation>内存池 %1 MiB，容纳 %2 MiB 激活：为不复用时大小的 %3 %</translation>
    </message>
    <message>
        <source>arena %1 MiB</source>
        <translation>内存池 %1 MiB</translation>
    </message>
    <message>
        <source>no tactics were timed</source>
        <translation>未对任何策略计时</translation>
    </message>
    <message>
        <source>%1 ms timing tactics; timing cache hits: %2, misses: %3</source>
        <translation>策略计时耗时 %1 ms；计时缓存命中：%2，未命中：%3</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>• %1</source>
        <translation>• %1</translation>
    </message>
    <message>
        <source>No pass changed the network.</source>
        <translation>没有优化步骤更改网络。</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
</context>
<context>
    <name>kiln::views::CalibrationTableModel</name>
    <message>
        <source>Unknown: the scales came from a calibration cache without data</source>
        <translation>未知：缩放因子来自校准缓存，未提供数据</translation>
    </message>
    <message>
        <source>The magnitude INT8&apos;s 127 stands for: scale × 127</source>
        <translation>INT8 的 127 所代表的幅值：缩放因子 × 127</translation>
    </message>
    <message>
        <source>Share of the calibration values above the threshold, saturated to ±127</source>
        <translation>校准数值中超出阈值、被饱和为 ±127 的比例</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Tensor</source>
        <translation>张量</translation>
    </message>
    <message>
        <source>Scale</source>
        <translation>缩放因子</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <source>Max |x|</source>
        <translation>最大 |x|</translation>
    </message>
    <message>
        <source>Clipped</source>
        <translation>截断</translation>
    </message>
</context>
<context>
    <name>kiln::views::CalibrationView</name>
    <message>
        <source>entropy</source>
        <translation>entropy</translation>
    </message>
    <message>
        <source>min-max</source>
        <translation>min-max</translation>
    </message>
    <message>
        <source>%1th percentile</source>
        <translation>percentile %1</translation>
    </message>
    <message>
        <source>MSE</source>
        <translation>MSE</translation>
    </message>
    <message>
        <source>The calibration gave no tensor a range.</source>
        <translation>校准没有为任何张量确定范围。</translation>
    </message>
    <message>
        <source>Not calibrated.</source>
        <translation>尚未校准。</translation>
    </message>
    <message>
        <source>No histogram for %1: the scales came from a calibration cache.
Give calibration data and calibrate to see the distributions.</source>
        <translation>%1 没有直方图：缩放因子来自校准缓存。
请提供校准数据并进行校准，即可查看分布。</translation>
    </message>
    <message>
        <source>%1, %2, %3</source>
        <extracomment>e.g. &quot;6 tensors, entropy, 4 batches&quot;; %1 is the list of tensors, %2 the algorithm, %3 the batches</extracomment>
        <translation>%1，%2，%3</translation>
    </message>
    <message numerus="yes">
        <source>%n tensor(s)</source>
        <translation>
            <numerusform>%n 个张量</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n batch(es)</source>
        <translation>
            <numerusform>%n 个批次</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>kiln::views::ComparisonGraphView</name>
    <message>
        <source>Find layer (Ctrl+F)</source>
        <translation>查找层 (Ctrl+F)</translation>
    </message>
    <message>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <source>Zoom in (+)</source>
        <translation>放大 (+)</translation>
    </message>
    <message>
        <source>−</source>
        <translation>−</translation>
    </message>
    <message>
        <source>Zoom out (-)</source>
        <translation>缩小 (-)</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <source>Show the whole graph</source>
        <translation>显示整个图</translation>
    </message>
    <message>
        <source>Layer type</source>
        <translation>层类型</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <source>What the node colors show</source>
        <translation>节点颜色表示的内容</translation>
    </message>
    <message>
        <source>Legend</source>
        <translation>图例</translation>
    </message>
    <message>
        <source>Show or hide what the colors mean</source>
        <translation>显示或隐藏颜色含义</translation>
    </message>
    <message>
        <source>Color by:</source>
        <translation>着色依据：</translation>
    </message>
    <message>
        <source>Build the network to see its layers after fusion.</source>
        <translation>构建网络后即可查看融合后的层。</translation>
    </message>
    <message>
        <source>The build produced no layers.</source>
        <translation>构建没有生成任何层。</translation>
    </message>
    <message>
        <source>Open a model to see its layer graph.</source>
        <translation>打开模型即可查看其层图。</translation>
    </message>
    <message>
        <source>No layer matches “%1”.</source>
        <translation>没有与“%1”匹配的层。</translation>
    </message>
    <message>
        <source>Before fusion</source>
        <translation>融合前</translation>
    </message>
    <message numerus="yes">
        <source>Before fusion (%n layer(s))</source>
        <translation>
            <numerusform>融合前（%n 层）</numerusform>
        </translation>
    </message>
    <message>
        <source>After fusion</source>
        <translation>融合后</translation>
    </message>
    <message numerus="yes">
        <source>After fusion (%n layer(s))</source>
        <translation>
            <numerusform>融合后（%n 层）</numerusform>
        </translation>
    </message>
    <message>
        <source>Error vs FP32</source>
        <translation>相对 FP32 的误差</translation>
    </message>
</context>
<context>
    <name>kiln::views::ComparisonTableModel</name>
    <message>
        <source>Model nodes: %1</source>
        <translation>模型节点：%1</translation>
    </message>
    <message>
        <source>B&apos;s time minus A&apos;s, per run: positive where A is faster</source>
        <translation>B 的时间减去 A 的时间（每次运行）：为正表示 A 更快</translation>
    </message>
    <message>
        <source>B&apos;s time over A&apos;s: A&apos;s speed-up (above 1: A is faster)</source>
        <translation>B 的时间除以 A 的时间：A 的加速比（大于 1 表示 A 更快）</translation>
    </message>
    <message>
        <source>One value where both engines agree, “A | B” where they differ (tinted)</source>
        <translation>两个引擎一致时显示一个值，不同时显示“A | B”（着色）</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>A layers</source>
        <translation>A 的层</translation>
    </message>
    <message>
        <source>B layers</source>
        <translation>B 的层</translation>
    </message>
    <message>
        <source>A ms</source>
        <translation>A 毫秒</translation>
    </message>
    <message>
        <source>B ms</source>
        <translation>B 毫秒</translation>
    </message>
    <message>
        <source>B − A ms</source>
        <translation>B − A 毫秒</translation>
    </message>
    <message>
        <source>Speed-up (B/A)</source>
        <translation>加速比 (B/A)</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Tactic</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
</context>
<context>
    <name>kiln::views::EngineComparisonView</name>
    <message>
        <source>Could not write &quot;%1&quot;: %2</source>
        <translation>无法写入“%1”：%2</translation>
    </message>
    <message>
        <source>there is nothing to draw</source>
        <translation>没有可绘制的内容</translation>
    </message>
    <message>
        <source>encoding failed</source>
        <translation>编码失败</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>B/A</source>
        <translation>B/A</translation>
    </message>
    <message>
        <source>Latency (median ms)</source>
        <translation>延迟（中位数，毫秒）</translation>
    </message>
    <message>
        <source>Executed layers</source>
        <translation>执行的层</translation>
    </message>
    <message>
        <source>Elided layers</source>
        <translation>省略的层</translation>
    </message>
    <message>
        <source>Activation memory</source>
        <translation>激活内存</translation>
    </message>
    <message>
        <source>Weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Chart:</source>
        <translation>图表：</translation>
    </message>
    <message>
        <source>A and B side by side</source>
        <translation>A 与 B 并排</translation>
    </message>
    <message>
        <source>Difference (B − A)</source>
        <translation>差值 (B − A)</translation>
    </message>
    <message>
        <source>Compare two engines to see their graphs.</source>
        <translation>比较两个引擎以查看它们的图。</translation>
    </message>
    <message>
        <source>A: %1</source>
        <translation>A：%1</translation>
    </message>
    <message>
        <source>B: %1</source>
        <translation>B：%1</translation>
    </message>
    <message>
        <source>not measured</source>
        <translation>未测量</translation>
    </message>
    <message>
        <source>B&apos;s median latency over A&apos;s: above 1, A is faster</source>
        <translation>B 的中位延迟除以 A 的：大于 1 表示 A 更快</translation>
    </message>
    <message>
        <source>other (%1 groups)</source>
        <translation>其他（%1 组）</translation>
    </message>
    <message>
        <source>A faster (B − A &gt; 0)</source>
        <translation>A 更快 (B − A &gt; 0)</translation>
    </message>
    <message>
        <source>B faster (B − A &lt; 0)</source>
        <translation>B 更快 (B − A &lt; 0)</translation>
    </message>
    <message>
        <source>B − A, ms per run</source>
        <translation>B − A，每次运行毫秒数</translation>
    </message>
    <message>
        <source>ms per run (median)</source>
        <translation>每次运行毫秒数（中位数）</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <source>A %1 ms, B %2 ms</source>
        <translation>A %1 毫秒，B %2 毫秒</translation>
    </message>
    <message>
        <source>A %1 ms, B %2 ms, B − A %3 ms</source>
        <translation>A %1 毫秒，B %2 毫秒，B − A %3 毫秒</translation>
    </message>
    <message>
        <source>%1 more groups, summed
B − A %2 ms</source>
        <translation>其余 %1 组合计
B − A %2 毫秒</translation>
    </message>
    <message>
        <source>%1 more groups, summed
%2</source>
        <translation>其余 %1 组合计
%2</translation>
    </message>
    <message>
        <source>A: %1
B: %2
%3</source>
        <translation>A：%1
B：%2
%3</translation>
    </message>
</context>
<context>
    <name>kiln::views::EngineMessages</name>
    <message>
        <source>removed %1: no network output depends on it</source>
        <translation>已移除 %1：没有网络输出依赖它</translation>
    </message>
    <message>
        <source>removed identity %1</source>
        <translation>已移除恒等层 %1</translation>
    </message>
    <message>
        <source>folded %1 into the constant %2</source>
        <translation>已将 %1 折叠为常量 %2</translation>
    </message>
    <message>
        <source>folded %1: range %2 on %3</source>
        <translation>已折叠 %1：%3 的范围为 %2</translation>
    </message>
    <message>
        <source>removed %1 (it pads nothing)</source>
        <translation>已移除 %1（它不做任何填充）</translation>
    </message>
    <message>
        <source>folded %1 into the padding of %2</source>
        <translation>已将 %1 折叠进 %2 的填充</translation>
    </message>
    <message>
        <source>fused %1 (batch norm %2 folded into the weights)</source>
        <translation>已融合 %1（批归一化 %2 折叠进权重）</translation>
    </message>
    <message>
        <source>fused %1 (scale %2 folded into the weights)</source>
        <translation>已融合 %1（缩放 %2 折叠进权重）</translation>
    </message>
    <message>
        <source>fused %1 (activation applied as the output is written)</source>
        <translation>已融合 %1（写出输出时应用激活）</translation>
    </message>
    <message>
        <source>fused %1 (residual add applied as the output is written)</source>
        <translation>已融合 %1（写出输出时应用残差加法）</translation>
    </message>
    <message>
        <source>fused %1 (activation applied as the product is written)</source>
        <translation>已融合 %1（写出乘积时应用激活）</translation>
    </message>
    <message>
        <source>fused %1 (bias applied as the product is written)</source>
        <translation>已融合 %1（写出乘积时应用偏置）</translation>
    </message>
    <message>
        <source>fused %1 (residual add applied as the product is written)</source>
        <translation>已融合 %1（写出乘积时应用残差加法）</translation>
    </message>
    <message>
        <source>fused %1 (pointwise chain %2 run as one layer)</source>
        <translation>已融合 %1（逐点运算链 %2 作为一层运行）</translation>
    </message>
    <message>
        <source>fused %1 (one convolution writing each sibling&apos;s output)</source>
        <translation>已融合 %1（由一个卷积写出每个并列分支的输出）</translation>
    </message>
    <message>
        <source>fused %1 (GELU, from %2)</source>
        <translation>已融合 %1（GELU，来自 %2）</translation>
    </message>
    <message>
        <source>fused %1 (GELU, tanh form, from %2)</source>
        <translation>已融合 %1（GELU，tanh 形式，来自 %2）</translation>
    </message>
    <message>
        <source>fused %1 (layer normalization, %2, from %3)</source>
        <translation>已融合 %1（层归一化，%2，来自 %3）</translation>
    </message>
    <message>
        <source>fused %1 (attention, from %2)</source>
        <translation>已融合 %1（注意力，来自 %2）</translation>
    </message>
    <message>
        <source>merged %1 (one split writing the outputs of %2)</source>
        <translation>已合并 %1（一次拆分写出 %2 的输出）</translation>
    </message>
    <message>
        <source>elided %1: its inputs already lie back to back in %2</source>
        <translation>已省略 %1：其输入已在 %2 中首尾相连</translation>
    </message>
    <message>
        <source>elided %1: %2 are written in place into %3</source>
        <translation>已省略 %1：%2 直接写入 %3 中的对应位置</translation>
    </message>
    <message>
        <source>elided %1: %2 is a view of %3</source>
        <translation>已省略 %1：%2 是 %3 的视图</translation>
    </message>
    <message>
        <source>folded the channel permutation %1 into %2&apos;s output channels</source>
        <translation>已将通道置换 %1 折叠进 %2 的输出通道</translation>
    </message>
    <message>
        <source>folded the channel permutation %1 into its readers: %2</source>
        <translation>已将通道置换 %1 折叠进其读取层：%2</translation>
    </message>
    <message>
        <source>%1 computes on the unpermuted channels into %2; its readers take the permutation: %3</source>
        <translation>%1 在未置换的通道上计算并写入 %2；由其读取层承担置换：%3</translation>
    </message>
    <message>
        <source>reformatted %1 from %2 to %3 for %4</source>
        <translation>已为 %4 将 %1 从 %2 重排为 %3</translation>
    </message>
    <message>
        <source>phase %1: %2 ms</source>
        <translation>阶段 %1：%2 毫秒</translation>
    </message>
    <message>
        <source>the layer precisions were ignored: precision constraints are &apos;none&apos; (give --precisionConstraints obey or prefer to apply them)</source>
        <translation>已忽略各层的精度设置：精度约束为“none”（给出 --precisionConstraints obey 或 prefer 才会应用它们）</translation>
    </message>
    <message>
        <source>%1; it is ignored and will be replaced by this build&apos;s timings</source>
        <translation>%1；将忽略它，并用本次构建的计时替换</translation>
    </message>
    <message>
        <source>timing cache &apos;%1&apos; is not a Kiln timing cache; it is ignored and will be replaced by this build&apos;s timings</source>
        <translation>计时缓存“%1”不是 Kiln 计时缓存；将忽略它，并用本次构建的计时替换</translation>
    </message>
    <message>
        <source>timing cache &apos;%1&apos; has format version %2; this Kiln reads version %3; it is ignored and will be replaced by this build&apos;s timings</source>
        <translation>计时缓存“%1”的格式版本为 %2，而此 Kiln 读取版本 %3；将忽略它，并用本次构建的计时替换</translation>
    </message>
    <message>
        <source>timing cache &apos;%1&apos; is truncated or has trailing bytes (%2 body bytes, header says %3); it is ignored and will be replaced by this build&apos;s timings</source>
        <translation>计时缓存“%1”被截断或末尾有多余字节（正文 %2 字节，文件头记录为 %3）；将忽略它，并用本次构建的计时替换</translation>
    </message>
    <message>
        <source>timing cache &apos;%1&apos; is corrupt (its hash does not match); it is ignored and will be replaced by this build&apos;s timings</source>
        <translation>计时缓存“%1”已损坏（哈希不匹配）；将忽略它，并用本次构建的计时替换</translation>
    </message>
    <message>
        <source>timing cache &apos;%1&apos; could not be decoded; it is ignored and will be replaced by this build&apos;s timings</source>
        <translation>计时缓存“%1”无法解码；将忽略它，并用本次构建的计时替换</translation>
    </message>
    <message>
        <source>timing cache &apos;%1&apos; was measured by kiln %2 on &apos;%3&apos;; this is kiln %4 on &apos;%5&apos;: its timings do not apply here; it is ignored and will be replaced by this build&apos;s timings</source>
        <translation>计时缓存“%1”由 kiln %2 在“%3”上测得，而当前是 kiln %4，运行在“%5”上：其计时不适用于此处；将忽略它，并用本次构建的计时替换</translation>
    </message>
    <message>
        <source>the build failed: %1</source>
        <translation>构建失败：%1</translation>
    </message>
    <message>
        <source>%1 &apos;%2&apos; does not exist</source>
        <translation>%1“%2”不存在</translation>
    </message>
    <message>
        <source>%1 is not a valid ONNX model: it is empty</source>
        <translation>%1 不是有效的 ONNX 模型：文件是空的</translation>
    </message>
    <message>
        <source>%1 is not a valid ONNX model: its bytes do not decode as an ONNX protobuf (the file may be truncated or of another kind)</source>
        <translation>%1 不是有效的 ONNX 模型：其字节无法解码为 ONNX protobuf（文件可能被截断，或是其他类型的文件）</translation>
    </message>
    <message>
        <source>%1 is not a valid ONNX model: it has no graph, IR version or opset import</source>
        <translation>%1 不是有效的 ONNX 模型：它没有图、IR 版本或 opset 导入</translation>
    </message>
    <message>
        <source>the model imports no version of the default ONNX operator set</source>
        <translation>模型没有导入任何版本的默认 ONNX 算子集</translation>
    </message>
    <message>
        <source>the model uses opset %1; Kiln supports opsets %2 to %3 (convert it with onnx.version_converter)</source>
        <translation>模型使用 opset %1；Kiln 支持 opset %2 到 %3（请用 onnx.version_converter 转换）</translation>
    </message>
    <message>
        <source>the model has 1 node with operators Kiln does not support: %1</source>
        <translation>模型有 1 个节点使用了 Kiln 不支持的算子：%1</translation>
    </message>
    <message>
        <source>the model has %1 nodes with operators Kiln does not support: %2</source>
        <translation>模型有 %1 个节点使用了 Kiln 不支持的算子：%2</translation>
    </message>
    <message>
        <source>the ONNX checker rejected %1: %2</source>
        <translation>ONNX 检查器拒绝了 %1：%2</translation>
    </message>
    <message>
        <source>constant folding</source>
        <translation>常量折叠</translation>
    </message>
    <message>
        <source>QDQ folding</source>
        <translation>QDQ 折叠</translation>
    </message>
    <message>
        <source>dead-layer elimination</source>
        <translation>死层消除</translation>
    </message>
    <message>
        <source>identity elimination</source>
        <translation>恒等层消除</translation>
    </message>
    <message>
        <source>pad folding</source>
        <translation>填充折叠</translation>
    </message>
    <message>
        <source>batch-norm folding</source>
        <translation>批归一化折叠</translation>
    </message>
    <message>
        <source>layer-norm fusion</source>
        <translation>层归一化融合</translation>
    </message>
    <message>
        <source>GELU fusion</source>
        <translation>GELU 融合</translation>
    </message>
    <message>
        <source>attention fusion</source>
        <translation>注意力融合</translation>
    </message>
    <message>
        <source>MatMul epilogue fusion</source>
        <translation>MatMul 尾处理融合</translation>
    </message>
    <message>
        <source>vertical fusion</source>
        <translation>垂直融合</translation>
    </message>
    <message>
        <source>pointwise-chain fusion</source>
        <translation>逐点运算链融合</translation>
    </message>
    <message>
        <source>channel-permutation folding</source>
        <translation>通道置换折叠</translation>
    </message>
    <message>
        <source>slice merging</source>
        <translation>切片合并</translation>
    </message>
    <message>
        <source>horizontal fusion</source>
        <translation>水平融合</translation>
    </message>
    <message>
        <source>concat elimination</source>
        <translation>拼接消除</translation>
    </message>
    <message>
        <source>reshape elimination</source>
        <translation>重塑消除</translation>
    </message>
    <message>
        <source>format assignment</source>
        <translation>格式分配</translation>
    </message>
    <message>
        <source>kept %1 in %2 (%3)</source>
        <translation>保持 %1 为 %2（%3）</translation>
    </message>
    <message>
        <source>ran %1 in %2 (%3)</source>
        <translation>以 %2 运行 %1（%3）</translation>
    </message>
    <message>
        <source>%1 runs in %2, not %3 (%4): %5</source>
        <translation>%1 以 %2 运行，而非 %3（%4）：%5</translation>
    </message>
    <message>
        <source>%1 runs linear in its own type: no %2 tactic runs it in %3</source>
        <translation>%1 以自身类型的线性布局运行：没有 %2 策略能以 %3 运行它</translation>
    </message>
    <message>
        <source>the plan is empty (0 bytes): not a Kiln plan file</source>
        <translation>计划文件是空的（0 字节）：不是 Kiln 计划文件</translation>
    </message>
    <message>
        <source>not a Kiln plan file: it does not start with &apos;KILNPLAN&apos;; give a file that &apos;kiln build&apos; wrote</source>
        <translation>不是 Kiln 计划文件：它不以“KILNPLAN”开头；请提供由“kiln build”写出的文件</translation>
    </message>
    <message>
        <source>the plan is truncated: its header declares %1 bytes, but there are %2; copy the file again or rebuild the plan</source>
        <translation>计划文件不完整：文件头声明 %1 字节，实际只有 %2 字节；请重新复制文件或重新构建计划</translation>
    </message>
    <message>
        <source>the plan has format version %1; kiln %2 reads format version %3 only: rebuild the plan</source>
        <translation>计划文件的格式版本为 %1；kiln %2 只读取格式版本 %3：请重新构建计划</translation>
    </message>
    <message>
        <source>the plan is corrupt: header hash mismatch; copy the file again or rebuild the plan</source>
        <translation>计划文件已损坏：文件头哈希不匹配；请重新复制文件或重新构建计划</translation>
    </message>
    <message>
        <source>the plan is corrupt: its weight blob starts at byte %1 instead of %2; rebuild the plan</source>
        <translation>计划文件已损坏：其权重块从第 %1 字节开始，而应从第 %2 字节开始；请重新构建计划</translation>
    </message>
    <message>
        <source>the plan is corrupt: it has %1 bytes after its weight blob; copy the file again or rebuild the plan</source>
        <translation>计划文件已损坏：权重块之后还有 %1 字节；请重新复制文件或重新构建计划</translation>
    </message>
    <message>
        <source>the plan is corrupt: body hash mismatch; copy the file again or rebuild the plan</source>
        <translation>计划文件已损坏：正文哈希不匹配；请重新复制文件或重新构建计划</translation>
    </message>
    <message>
        <source>this plan was built for %1 with kiln %2; this machine is %3 with kiln %4: rebuild the plan</source>
        <translation>此计划是在 %1 上用 kiln %2 构建的；本机是 %3，kiln 版本为 %4：请重新构建计划</translation>
    </message>
</context>
<context>
    <name>kiln::views::GraphLayout</name>
    <message>
        <source>Graphviz could not be started.</source>
        <translation>无法启动 Graphviz。</translation>
    </message>
    <message>
        <source>Graphviz&apos;s dot layout failed.</source>
        <translation>Graphviz 的 dot 布局失败。</translation>
    </message>
    <message>
        <source>%1%2. Export the graph as PNG instead.</source>
        <translation>%1%2。请改为将图导出为 PNG。</translation>
    </message>
    <message>
        <source>Graphviz could not start</source>
        <translation>无法启动 Graphviz</translation>
    </message>
    <message>
        <source>Graphviz could not read the graph</source>
        <translation>Graphviz 无法读取该图</translation>
    </message>
    <message>
        <source>Graphviz could not lay the graph out</source>
        <translation>Graphviz 无法为该图布局</translation>
    </message>
    <message>
        <source>Graphviz could not render SVG</source>
        <translation>Graphviz 无法渲染 SVG</translation>
    </message>
</context>
<context>
    <name>kiln::views::GraphPalette</name>
    <message>
        <source>Convolution</source>
        <translation>卷积</translation>
    </message>
    <message>
        <source>Pooling</source>
        <translation>池化</translation>
    </message>
    <message>
        <source>Activation / pointwise</source>
        <translation>激活 / 逐点运算</translation>
    </message>
    <message>
        <source>Normalization</source>
        <translation>归一化</translation>
    </message>
    <message>
        <source>Elementwise</source>
        <translation>逐元素运算</translation>
    </message>
    <message>
        <source>Concat / shuffle</source>
        <translation>拼接 / 重排</translation>
    </message>
    <message>
        <source>MatMul / Gemm</source>
        <translation>矩阵乘 / Gemm</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Elided (executes nothing)</source>
        <translation>已省略（不执行）</translation>
    </message>
    <message>
        <source>Plugin</source>
        <translation>插件</translation>
    </message>
</context>
<context>
    <name>kiln::views::GraphView</name>
    <message>
        <source>No layers to show.</source>
        <translation>没有可显示的层。</translation>
    </message>
    <message numerus="yes">
        <source>Laying out %n layer(s)…</source>
        <translation>
            <numerusform>正在布局 %n 层…</numerusform>
        </translation>
    </message>
    <message>
        <source>The layer graph could not be laid out: %1</source>
        <translation>无法布局层图：%1</translation>
    </message>
    <message>
        <source>Layer type</source>
        <translation>层类型</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <source>0 ms</source>
        <translation>0 ms</translation>
    </message>
    <message>
        <source>%1 ms (%2 % of total)</source>
        <translation>%1 ms（占总计 %2 %）</translation>
    </message>
    <message>
        <source>Not measured</source>
        <translation>未测量</translation>
    </message>
    <message>
        <source>Type: %1</source>
        <translation>类型：%1</translation>
    </message>
    <message>
        <source>Parameters: %1</source>
        <translation>参数：%1</translation>
    </message>
    <message>
        <source>Inputs: %1</source>
        <translation>输入：%1</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>Outputs: %1</source>
        <translation>输出：%1</translation>
    </message>
    <message>
        <source>Precision: %1</source>
        <translation>精度：%1</translation>
    </message>
    <message>
        <source>Tactic: %1</source>
        <translation>策略：%1</translation>
    </message>
    <message>
        <source>From the model&apos;s: %1</source>
        <translation>来自模型的：%1</translation>
    </message>
    <message>
        <source>Time: %1 ms</source>
        <translation>时间：%1 ms</translation>
    </message>
    <message>
        <source>Elided: its outputs alias its inputs, it executes nothing.</source>
        <translation>已省略：其输出与输入共用内存，不执行任何计算。</translation>
    </message>
    <message>
        <source>Network input %1</source>
        <translation>网络输入 %1</translation>
    </message>
    <message>
        <source>Error against FP32</source>
        <translation>相对 FP32 的误差</translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation>误差：%1</translation>
    </message>
    <message>
        <source>NaN or overflow</source>
        <translation>NaN 或溢出</translation>
    </message>
    <message>
        <source>Not compared</source>
        <translation>未比较</translation>
    </message>
    <message>
        <source>Error: NaN or overflow</source>
        <translation>误差：NaN 或溢出</translation>
    </message>
    <message>
        <source>Error (%1): %2</source>
        <translation>误差（%1）：%2</translation>
    </message>
    <message>
        <source>There is no graph to export yet.</source>
        <translation>还没有可导出的图。</translation>
    </message>
    <message>
        <source>The graph is too large for an image of %1 × %2 units.</source>
        <translation>图太大，无法生成 %1 × %2 单位的图像。</translation>
    </message>
    <message>
        <source>The image could not be encoded as PNG.</source>
        <translation>无法将图像编码为 PNG。</translation>
    </message>
    <message>
        <source>Export the graph as a .png or .svg file (not “%1”).</source>
        <translation>请将图导出为 .png 或 .svg 文件（而不是“%1”）。</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
</context>
<context>
    <name>kiln::views::LayerTableModel</name>
    <message>
        <source>From model nodes: %1</source>
        <translation>来自模型节点：%1</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>层类型</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Outputs</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Output shape</source>
        <translation>输出形状</translation>
    </message>
</context>
<context>
    <name>kiln::views::LintView</name>
    <message>
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>Info</source>
        <translation>提示</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>严重程度</translation>
    </message>
    <message>
        <source>Hint</source>
        <translation>提示内容</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>层</translation>
    </message>
    <message>
        <source>No hints: nothing in this engine&apos;s report looks slower than it should.</source>
        <translation>没有提示：此引擎的报告中没有看起来比应有速度更慢的地方。</translation>
    </message>
    <message numerus="yes">
        <source>%n hint(s), %1 of them warnings. Pick one to select its layers.</source>
        <translation>
            <numerusform>%n 条提示，其中 %1 条为警告。选择一条以选中其层。</numerusform>
        </translation>
    </message>
    <message>
        <source>Build the model or open a plan to see its lint hints.</source>
        <translation>构建模型或打开计划以查看其检查提示。</translation>
    </message>
    <message>
        <source>What to do: %1</source>
        <translation>建议：%1</translation>
    </message>
</context>
<context>
    <name>kiln::views::PrecisionErrorModel</name>
    <message>
        <source>%1 (output)</source>
        <translation>%1（输出）</translation>
    </message>
    <message>
        <source>A network output</source>
        <translation>网络输出</translation>
    </message>
    <message>
        <source>Model nodes: %1</source>
        <translation>模型节点：%1</translation>
    </message>
    <message>
        <source>Holds NaN or infinity where the FP32 engine does not</source>
        <translation>含有 FP32 引擎中没有的 NaN 或无穷大</translation>
    </message>
    <message>
        <source>Largest |FP32 value|: %1</source>
        <translation>最大 |FP32 值|：%1</translation>
    </message>
    <message>
        <source>Largest |reduced − FP32| over the tensor&apos;s elements</source>
        <translation>张量各元素中 |低精度值 − FP32| 的最大值</translation>
    </message>
    <message>
        <source>Σ|reduced − FP32| / Σ|FP32|</source>
        <translation>Σ|低精度值 − FP32| / Σ|FP32|</translation>
    </message>
    <message>
        <source>Cosine similarity of the two tensors as vectors; 1 is identical direction</source>
        <translation>将两个张量视为向量时的余弦相似度；1 表示方向完全相同</translation>
    </message>
    <message>
        <source>Signal-to-noise ratio: 10·log10(Σ FP32² / Σ (reduced − FP32)²)</source>
        <translation>信噪比：10·log10(Σ FP32² / Σ (低精度值 − FP32)²)</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Tensor</source>
        <translation>张量</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Max abs err</source>
        <translation>最大绝对误差</translation>
    </message>
    <message>
        <source>Mean rel err</source>
        <translation>平均相对误差</translation>
    </message>
    <message>
        <source>Cosine</source>
        <translation>余弦</translation>
    </message>
    <message>
        <source>SNR (dB)</source>
        <translation>信噪比 (dB)</translation>
    </message>
</context>
<context>
    <name>kiln::views::PrecisionView</name>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>The reduced precision whose errors the chart and the table show</source>
        <translation>图表和表格显示的是哪种低精度的误差</translation>
    </message>
    <message>
        <source>Mean relative error</source>
        <translation>平均相对误差</translation>
    </message>
    <message>
        <source>1 − cosine</source>
        <translation>1 − 余弦</translation>
    </message>
    <message>
        <source>What the chart&apos;s bars and the graph&apos;s colors measure</source>
        <translation>图表的柱和图的颜色所衡量的内容</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <source>Error:</source>
        <translation>误差：</translation>
    </message>
    <message>
        <source>error</source>
        <translation>误差</translation>
    </message>
    <message>
        <source>NaN or overflow</source>
        <translation>NaN 或溢出</translation>
    </message>
    <message>
        <source>median latency (ms)</source>
        <translation>中位延迟 (ms)</translation>
    </message>
    <message>
        <source>mean relative error</source>
        <translation>平均相对误差</translation>
    </message>
    <message>
        <source>Compare precisions to see each layer&apos;s error against FP32.</source>
        <translation>比较精度后即可查看每一层相对 FP32 的误差。</translation>
    </message>
    <message>
        <source>%1
%2×</source>
        <translation>%1
%2×</translation>
    </message>
    <message>
        <source>Latency per precision</source>
        <translation>各精度的延迟</translation>
    </message>
    <message numerus="yes">
        <source>median of %n run(s) (ms)</source>
        <translation>
            <numerusform>%n 次运行的中位数 (ms)</numerusform>
        </translation>
    </message>
    <message>
        <source>No comparison yet.</source>
        <translation>尚未比较。</translation>
    </message>
    <message>
        <source>Only the reference was run.</source>
        <translation>只运行了参考引擎。</translation>
    </message>
    <message numerus="yes">
        <source>%1 against %2: %n tensor(s) compared</source>
        <translation>
            <numerusform>%1 对比 %2：比较了 %n 个张量</numerusform>
        </translation>
    </message>
    <message>
        <source>; output %1: cosine %2, mean rel err %3</source>
        <translation>；输出 %1：余弦 %2，平均相对误差 %3</translation>
    </message>
    <message>
        <source> (%1)</source>
        <translation>（%1）</translation>
    </message>
    <message numerus="yes">
        <source>other (%n layer(s))</source>
        <translation>
            <numerusform>其他（%n 层）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>kiln::views::ProfileView</name>
    <message>
        <source>Could not write &quot;%1&quot;: %2</source>
        <translation>无法写入“%1”：%2</translation>
    </message>
    <message>
        <source>encoding failed</source>
        <translation>编码失败</translation>
    </message>
    <message>
        <source>Bars:</source>
        <translation>柱状图：</translation>
    </message>
    <message>
        <source>Execution order</source>
        <translation>执行顺序</translation>
    </message>
    <message>
        <source>Slowest first</source>
        <translation>最慢优先</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Layer table as CSV…</source>
        <translation>层表格导出为 CSV…</translation>
    </message>
    <message>
        <source>Profile as JSON (trtexec layout)…</source>
        <translation>性能分析导出为 JSON（trtexec 格式）…</translation>
    </message>
    <message>
        <source>Chart as PNG…</source>
        <translation>图表导出为 PNG…</translation>
    </message>
    <message>
        <source>End-to-end latency</source>
        <translation>端到端延迟</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>运行次数</translation>
    </message>
    <message>
        <source>Min</source>
        <translation>最小值</translation>
    </message>
    <message>
        <source>Median</source>
        <translation>中位数</translation>
    </message>
    <message>
        <source>Mean</source>
        <translation>平均值</translation>
    </message>
    <message>
        <source>p90</source>
        <translation>P90</translation>
    </message>
    <message>
        <source>p99</source>
        <translation>P99</translation>
    </message>
    <message>
        <source>Max</source>
        <translation>最大值</translation>
    </message>
    <message>
        <source>Sum of layers</source>
        <translation>各层之和</translation>
    </message>
    <message>
        <source>median time per run (ms)</source>
        <translation>每次运行的中位时间 (ms)</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Time (ms)</source>
        <translation>时间 (ms)</translation>
    </message>
    <message>
        <source>%</source>
        <translation>%</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Tactic</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>层</translation>
    </message>
    <message>
        <source>By layer type</source>
        <translation>按层类型</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>Profile the built engine to see where the time goes.</source>
        <translation>对构建好的引擎进行性能分析，即可查看时间花在哪里。</translation>
    </message>
    <message>
        <source>%1
%2, %3 ms (%4 %)</source>
        <translation>%1
%2，%3 ms（%4 %）</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Export profile</source>
        <translation>导出性能分析</translation>
    </message>
    <message numerus="yes">
        <source>other (%n layer(s))</source>
        <translation>
            <numerusform>其他（%n 层）</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 ms (%2 %)</source>
        <translation>%1 ms（%2 %）</translation>
    </message>
    <message numerus="yes">
        <source>%n other layer(s): %1 ms (%2 %)</source>
        <translation>
            <numerusform>其他 %n 层：%1 ms（%2 %）</numerusform>
        </translation>
    </message>
    <message>
        <source>%1: %2 ms</source>
        <translation>%1：%2 ms</translation>
    </message>
</context>
<context>
    <name>kiln::views::PropertiesPanel</name>
    <message>
        <source>Select a layer or a tensor in the graph to see its properties.</source>
        <translation>在图中选择一个层或张量即可查看其属性。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Shape</source>
        <translation>形状</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>omitted optional input</source>
        <translation>省略的可选输入</translation>
    </message>
    <message>
        <source>activation</source>
        <translation>激活</translation>
    </message>
    <message>
        <source>network input</source>
        <translation>网络输入</translation>
    </message>
    <message>
        <source>constant</source>
        <translation>常量</translation>
    </message>
    <message>
        <source>network output</source>
        <translation>网络输出</translation>
    </message>
    <message>
        <source>Weights: %1</source>
        <translation>权重：%1</translation>
    </message>
    <message>
        <source>Shape:</source>
        <translation>形状：</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>Statistics:</source>
        <translation>统计：</translation>
    </message>
    <message>
        <source>computing…</source>
        <translation>正在计算…</translation>
    </message>
    <message>
        <source>Count:</source>
        <translation>数量：</translation>
    </message>
    <message>
        <source>Values:</source>
        <translation>数值：</translation>
    </message>
    <message>
        <source>no finite values</source>
        <translation>没有有限值</translation>
    </message>
    <message>
        <source>Minimum:</source>
        <translation>最小值：</translation>
    </message>
    <message>
        <source>Maximum:</source>
        <translation>最大值：</translation>
    </message>
    <message>
        <source>Mean:</source>
        <translation>平均值：</translation>
    </message>
    <message>
        <source>Std. deviation:</source>
        <translation>标准差：</translation>
    </message>
    <message>
        <source>Zeros:</source>
        <translation>零值：</translation>
    </message>
    <message>
        <source>%1 (%2 %)</source>
        <translation>%1（%2 %）</translation>
    </message>
    <message>
        <source>NaN or infinite:</source>
        <translation>NaN 或无穷大：</translation>
    </message>
    <message>
        <source>There is no layer named &quot;%1&quot; in this network.</source>
        <translation>此网络中没有名为“%1”的层。</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Type:</source>
        <translation>类型：</translation>
    </message>
    <message>
        <source>Attributes:</source>
        <translation>属性：</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Provenance:</source>
        <translation>来源：</translation>
    </message>
    <message>
        <source>Required precision:</source>
        <translation>要求的精度：</translation>
    </message>
    <message>
        <source>Build</source>
        <translation>构建</translation>
    </message>
    <message>
        <source>Precision:</source>
        <translation>精度：</translation>
    </message>
    <message>
        <source>Tactic:</source>
        <translation>策略：</translation>
    </message>
    <message>
        <source>elided: its outputs alias its inputs, nothing runs</source>
        <translation>已省略：其输出与输入共用内存，不运行任何计算</translation>
    </message>
    <message>
        <source>Output formats:</source>
        <translation>输出格式：</translation>
    </message>
    <message>
        <source>times from the timing cache</source>
        <translation>时间来自计时缓存</translation>
    </message>
    <message>
        <source>times of an identical layer of this build</source>
        <translation>时间来自本次构建中相同的层</translation>
    </message>
    <message>
        <source>timed during the build</source>
        <translation>在构建期间计时</translation>
    </message>
    <message>
        <source>Candidates:</source>
        <translation>候选：</translation>
    </message>
    <message>
        <source>%1 considered, %2 timed; %3</source>
        <translation>考虑了 %1 个，计时 %2 个；%3</translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Outputs</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Some inputs of this layer were made by the build and are not in the network shown, so their shapes and values are not known here.</source>
        <translation>此层的部分输入由构建生成，不在所显示的网络中，因此这里无法得知它们的形状和数值。</translation>
    </message>
    <message>
        <source>There is no tensor named &quot;%1&quot; in this network.</source>
        <translation>此网络中没有名为“%1”的张量。</translation>
    </message>
    <message>
        <source>%1 (Tensor)</source>
        <translation>%1（张量）</translation>
    </message>
    <message>
        <source>Tensor</source>
        <translation>张量</translation>
    </message>
    <message>
        <source>Data type:</source>
        <translation>数据类型：</translation>
    </message>
    <message>
        <source>Role:</source>
        <translation>角色：</translation>
    </message>
    <message>
        <source>Size:</source>
        <translation>大小：</translation>
    </message>
    <message>
        <source>%1 elements, %2 bytes</source>
        <translation>%1 个元素，%2 字节</translation>
    </message>
    <message>
        <source>Producer:</source>
        <translation>生产者：</translation>
    </message>
    <message>
        <source>Consumers:</source>
        <translation>消费者：</translation>
    </message>
    <message>
        <source>Alias of:</source>
        <translation>别名于：</translation>
    </message>
    <message>
        <source>%1 from byte %2</source>
        <translation>%1，自第 %2 字节起</translation>
    </message>
    <message>
        <source>Dynamic range:</source>
        <translation>动态范围：</translation>
    </message>
    <message>
        <source>±%1</source>
        <translation>±%1</translation>
    </message>
    <message>
        <source>Plugin</source>
        <translation>插件</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Version:</source>
        <translation>版本：</translation>
    </message>
    <message>
        <source>Namespace:</source>
        <translation>命名空间：</translation>
    </message>
    <message>
        <source>Fields:</source>
        <translation>字段：</translation>
    </message>
    <message>
        <source>%1 (%2):</source>
        <translation>%1（%2）：</translation>
    </message>
    <message>
        <source>%1:</source>
        <translation>%1：</translation>
    </message>
    <message>
        <source>The file gives this layer by name only.</source>
        <translation>文件只给出了这一层的名称。</translation>
    </message>
    <message>
        <source>, on %1 images of the batch</source>
        <translation>，在批次中的 %1 张图像上计时</translation>
    </message>
</context>
<context>
    <name>kiln::views::ShapeSweepView</name>
    <message>
        <source>median latency (ms)</source>
        <translation>中位延迟 (ms)</translation>
    </message>
    <message>
        <source>latency (ms)</source>
        <translation>延迟 (ms)</translation>
    </message>
    <message>
        <source>items/s</source>
        <translation>项/秒</translation>
    </message>
    <message>
        <source>runs/s</source>
        <translation>次/秒</translation>
    </message>
    <message>
        <source>throughput (%1)</source>
        <translation>吞吐量（%1）</translation>
    </message>
    <message numerus="yes">
        <source>Latency and throughput against %1 (%n shape(s))</source>
        <translation>
            <numerusform>延迟和吞吐量随 %1 的变化（%n 个形状）</numerusform>
        </translation>
    </message>
    <message>
        <source>Sweep a dimension of an engine built for a range of shapes to see its latency and throughput against it.</source>
        <translation>对为形状范围构建的引擎扫描某个维度，即可查看延迟和吞吐量随该维度的变化。</translation>
    </message>
</context>
<context>
    <name>kiln::views::TacticView</name>
    <message>
        <source>Layer:</source>
        <translation>层：</translation>
    </message>
    <message>
        <source>median time (ms)</source>
        <translation>中位时间 (ms)</translation>
    </message>
    <message>
        <source>chosen</source>
        <translation>已选中</translation>
    </message>
    <message>
        <source>timed</source>
        <translation>已计时</translation>
    </message>
    <message>
        <source>Tactic</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Library</source>
        <translation>库</translation>
    </message>
    <message>
        <source>Time (ms)</source>
        <translation>时间 (ms)</translation>
    </message>
    <message>
        <source>vs. chosen</source>
        <translation>相对选中</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Build the model to see the kernels the builder timed for each layer.</source>
        <translation>构建模型后即可查看构建器为每一层计时的内核。</translation>
    </message>
    <message>
        <source>This build timed no tactics.</source>
        <translation>此次构建没有对任何策略计时。</translation>
    </message>
    <message>
        <source>Timing tactics took %1 ms; timing cache hits: %2, misses: %3.</source>
        <translation>策略计时耗时 %1 ms；计时缓存命中：%2，未命中：%3。</translation>
    </message>
    <message>
        <source>Select a layer in the graph to see the kernels the builder considered for it.</source>
        <translation>在图中选择一个层，即可查看构建器为它考虑过的内核。</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a layer of the built engine.</source>
        <translation>“%1”不是所构建引擎中的层。</translation>
    </message>
    <message>
        <source>, %1</source>
        <translation>，%1</translation>
    </message>
    <message>
        <source>%1 (%2%3) is elided: its outputs alias its inputs, so it runs no kernel.</source>
        <translation>%1（%2%3）已省略：其输出与输入共用内存，因此不运行任何内核。</translation>
    </message>
    <message>
        <source>%1 (%2%3): the build recorded no candidates for this layer.</source>
        <translation>%1（%2%3）：构建没有为此层记录任何候选。</translation>
    </message>
    <message>
        <source>%1 (%2%3) runs %4; the build recorded no other candidates.</source>
        <translation>%1（%2%3）运行 %4；构建没有记录其他候选。</translation>
    </message>
    <message>
        <source>%1 (%2%3): %4 candidates, %5 timed, %6 skipped.</source>
        <translation>%1（%2%3）：%4 个候选，计时 %5 个，跳过 %6 个。</translation>
    </message>
    <message>
        <source>Chosen: %1 (%2 ms).</source>
        <translation>选中：%1（%2 ms）。</translation>
    </message>
    <message>
        <source>Times from the timing cache.</source>
        <translation>时间来自计时缓存。</translation>
    </message>
    <message>
        <source>Times of an identical layer timed earlier in this build.</source>
        <translation>时间来自本次构建中先前计时的相同层。</translation>
    </message>
    <message>
        <source>No candidate was timed; the table says why.</source>
        <translation>没有候选被计时；原因见表格。</translation>
    </message>
    <message>
        <source>%1×</source>
        <translation>%1×</translation>
    </message>
    <message>
        <source>skipped: %1</source>
        <translation>已跳过：%1</translation>
    </message>
    <message>
        <source>not timed</source>
        <translation>未计时</translation>
    </message>
    <message>
        <source>Timed on %1 images of the batch; the chosen tactic runs all of them.</source>
        <translation>在批次中的 %1 张图像上计时；选中的策略运行全部图像。</translation>
    </message>
    <message>
        <source>%1 ms in the network</source>
        <translation>网络中 %1 毫秒</translation>
    </message>
    <message>
        <source>Close candidates ran again in the network; the chosen one took %1 ms there.</source>
        <translation>相近的候选策略在网络中再次运行；选中的策略在网络中耗时 %1 毫秒。</translation>
    </message>
</context>
<context>
    <name>kiln::views::TensorTableModel</name>
    <message>
        <source>input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>constant</source>
        <translation>常量</translation>
    </message>
    <message>
        <source>activation</source>
        <translation>激活</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>数据类型</translation>
    </message>
    <message>
        <source>Dimensions</source>
        <translation>维度</translation>
    </message>
    <message>
        <source>Elements</source>
        <translation>元素数</translation>
    </message>
</context>
<context>
    <name>kiln::workbench::BuildPanel</name>
    <message>
        <source>scalar</source>
        <translation>标量</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA GPU</source>
        <translation>CUDA GPU</translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Declared</source>
        <translation>声明的形状</translation>
    </message>
    <message>
        <source>Shape to use</source>
        <translation>使用的形状</translation>
    </message>
    <message>
        <source>Open with These Shapes</source>
        <translation>使用这些形状打开</translation>
    </message>
    <message>
        <source>Open the model again with the shapes in the table</source>
        <translation>使用表格中的形状重新打开模型</translation>
    </message>
    <message>
        <source>Builder options</source>
        <translation>构建器选项</translation>
    </message>
    <message>
        <source>FP32</source>
        <translation>FP32</translation>
    </message>
    <message>
        <source>FP16 allowed</source>
        <translation>允许 FP16</translation>
    </message>
    <message>
        <source>BF16 allowed</source>
        <translation>允许 BF16</translation>
    </message>
    <message>
        <source>INT8 allowed</source>
        <translation>允许 INT8</translation>
    </message>
    <message>
        <source>Which kernel precisions the builder may choose</source>
        <translation>构建器可以选择的内核精度</translation>
    </message>
    <message>
        <source>&amp;Precision:</source>
        <translation>精度(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Backend:</source>
        <translation>后端(&amp;B)：</translation>
    </message>
    <message>
        <source>&amp;Fuse layers</source>
        <translation>融合层(&amp;F)</translation>
    </message>
    <message>
        <source>Off: only what execution needs, no rewriting of the graph</source>
        <translation>关闭：只做执行所必需的处理，不改写图</translation>
    </message>
    <message>
        <source>Optimization:</source>
        <translation>优化：</translation>
    </message>
    <message>
        <source> MiB</source>
        <translation> MiB</translation>
    </message>
    <message>
        <source>Scratch memory a tactic may use</source>
        <translation>策略可使用的临时内存</translation>
    </message>
    <message>
        <source>&amp;Workspace limit:</source>
        <translation>工作空间上限(&amp;W)：</translation>
    </message>
    <message>
        <source>Timed runs per tactic candidate; the median counts</source>
        <translation>每个候选策略的计时运行次数；以中位数为准</translation>
    </message>
    <message>
        <source>&amp;Timing iterations:</source>
        <translation>计时迭代次数(&amp;T)：</translation>
    </message>
    <message>
        <source>Use a timing &amp;cache</source>
        <translation>使用计时缓存(&amp;C)</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Choose the timing cache file</source>
        <translation>选择计时缓存文件</translation>
    </message>
    <message>
        <source>Cache file:</source>
        <translation>缓存文件：</translation>
    </message>
    <message>
        <source>Timing Cache File</source>
        <translation>计时缓存文件</translation>
    </message>
    <message>
        <source>Timing caches (*.cache);;All files (*)</source>
        <translation>计时缓存 (*.cache);;所有文件 (*)</translation>
    </message>
    <message>
        <source>&amp;Build</source>
        <translation>构建(&amp;B)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Not built yet.</source>
        <translation>尚未构建。</translation>
    </message>
    <message>
        <source>The build log shows each phase, what the passes changed and any warnings.</source>
        <translation>构建日志会显示每个阶段、各优化步骤所做的更改以及所有警告。</translation>
    </message>
    <message>
        <source>Build log:</source>
        <translation>构建日志：</translation>
    </message>
    <message>
        <source>Double-click to edit, e.g. 1x3x224x224</source>
        <translation>双击编辑，例如 1x3x224x224</translation>
    </message>
    <message>
        <source>The model fixes this shape.</source>
        <translation>模型固定了此形状。</translation>
    </message>
    <message>
        <source>Re-open with These Shapes</source>
        <translation>使用这些形状重新打开</translation>
    </message>
    <message>
        <source>“%1” is not a shape; write one size per dimension, e.g. 1x3x224x224</source>
        <translation>“%1”不是形状；请为每个维度写一个大小，例如 1x3x224x224</translation>
    </message>
    <message numerus="yes">
        <source>the model declares %n dimension(s)</source>
        <translation>
            <numerusform>模型声明了 %n 个维度</numerusform>
        </translation>
    </message>
    <message>
        <source>dimension %1 must be at least 1</source>
        <translation>第 %1 维必须至少为 1</translation>
    </message>
    <message>
        <source>dimension %1 is fixed to %2 by the model</source>
        <translation>第 %1 维已被模型固定为 %2</translation>
    </message>
    <message>
        <source>Input %1: %2.</source>
        <translation>输入 %1：%2。</translation>
    </message>
    <message>
        <source>Build an engine from the open model</source>
        <translation>从打开的模型构建引擎</translation>
    </message>
    <message>
        <source>Optimization passes</source>
        <translation>优化步骤</translation>
    </message>
    <message>
        <source>Tactic selection</source>
        <translation>策略选择</translation>
    </message>
    <message>
        <source>Memory planning</source>
        <translation>内存规划</translation>
    </message>
    <message>
        <source>Format selection</source>
        <translation>格式选择</translation>
    </message>
    <message>
        <source>Calibration</source>
        <translation>校准</translation>
    </message>
    <message>
        <source>Building…</source>
        <translation>正在构建…</translation>
    </message>
    <message>
        <source>no timing cache</source>
        <translation>不使用计时缓存</translation>
    </message>
    <message>
        <source>timing cache %1</source>
        <translation>计时缓存 %1</translation>
    </message>
    <message>
        <source>Build of %1 started: %2, backend %3, fusion %4, workspace %5 MiB, %6 timing iterations, %7.</source>
        <translation>开始构建 %1：%2，后端 %3，融合%4，工作空间 %5 MiB，计时迭代 %6 次，%7。</translation>
    </message>
    <message>
        <source>on</source>
        <translation>开启</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>Phase “%1” finished in %2 ms.</source>
        <translation>阶段“%1”完成，用时 %2 ms。</translation>
    </message>
    <message>
        <source>Building: %1 (step %2 of %3)…</source>
        <translation>正在构建：%1（第 %2 步，共 %3 步）…</translation>
    </message>
    <message>
        <source>Phase “%1” started (step %2 of %3).</source>
        <translation>阶段“%1”开始（第 %2 步，共 %3 步）。</translation>
    </message>
    <message>
        <source>Warning: %1</source>
        <translation>警告：%1</translation>
    </message>
    <message>
        <source>Built in %1 s: %2 → %3 layers, %4 changes, activation arena %5 MiB (%6 MiB without reuse).</source>
        <translation>构建用时 %1 秒：%2 → %3 层，%4 处更改，激活内存池 %5 MiB（不复用时为 %6 MiB）。</translation>
    </message>
    <message>
        <source>Engine memory: weights %1 MiB (the constants its kernels read and their prepared weights); each execution context %2 MiB (activation arena and workspace).</source>
        <translation>引擎内存：权重 %1 MiB（其内核读取的常量及其预处理的权重）；每个执行上下文 %2 MiB（激活内存池和工作区）。</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Build cancelled.</source>
        <translation>构建已取消。</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Build failed: %1</source>
        <translation>构建失败：%1</translation>
    </message>
    <message>
        <source>Tactic timing took %1 ms; timing cache hits: %2, misses: %3.</source>
        <translation>策略计时耗时 %1 ms；计时缓存命中：%2，未命中：%3。</translation>
    </message>
    <message numerus="yes">
        <source>%n layer(s) took the timings of an identical layer.</source>
        <translation>
            <numerusform>%n 个层沿用了相同层的计时结果。</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>No CUDA device: using the CPU backend</source>
        <translation>无 CUDA 设备：使用 CPU 后端</translation>
    </message>
    <message>
        <source>%1 unavailable</source>
        <translation>%1 不可用</translation>
    </message>
    <message>
        <source>The activation ranges an INT8 build quantizes with, from the Calibration panel</source>
        <translation>INT8 构建进行量化所用的激活范围，来自“校准”面板</translation>
    </message>
    <message>
        <source>INT8 ranges:</source>
        <translation>INT8 范围：</translation>
    </message>
    <message>
        <source>none: calibrate in the Calibration panel</source>
        <translation>无：请在“校准”面板中进行校准</translation>
    </message>
    <message numerus="yes">
        <source>%n tensor(s)</source>
        <translation>
            <numerusform>%n 个张量</numerusform>
        </translation>
    </message>
    <message>
        <source>INT8 ranges: %1.</source>
        <translation>INT8 范围：%1。</translation>
    </message>
    <message>
        <source>To build INT8, calibrate the model in the Calibration panel (with calibration data, or a calibration cache made for this model), then build again.</source>
        <translation>要构建 INT8，请在“校准”面板中校准模型（使用校准数据，或为此模型生成的校准缓存），然后重新构建。</translation>
    </message>
    <message>
        <source>Range min</source>
        <translation>范围最小值</translation>
    </message>
    <message>
        <source>Range max</source>
        <translation>范围最大值</translation>
    </message>
    <message>
        <source>Give each symbolic dimension a size, e.g. 1x3x224x224. For an engine that runs a range of shapes, also give the range&apos;s smallest and largest shape: the shape to use is the one tactics are timed at.</source>
        <translation>为每个符号维度指定大小，例如 1x3x224x224。若要构建可运行一个形状范围的引擎，还需给出该范围的最小和最大形状：“使用的形状”即为策略计时所用的形状。</translation>
    </message>
    <message>
        <source>Leave empty for one shape; give min and max for a range, e.g. 1x3x224x224 to 32x3x224x224</source>
        <translation>留空表示单一形状；给出最小值和最大值表示一个范围，例如 1x3x224x224 到 32x3x224x224</translation>
    </message>
    <message>
        <source>give both the smallest and the largest shape of the range, or neither</source>
        <translation>请同时给出范围的最小和最大形状，或者都不填</translation>
    </message>
    <message>
        <source>range min: %1</source>
        <translation>范围最小值：%1</translation>
    </message>
    <message>
        <source>range max: %1</source>
        <translation>范围最大值：%1</translation>
    </message>
    <message>
        <source>dimension %1 must satisfy min ≤ shape to use ≤ max (%2 ≤ %3 ≤ %4)</source>
        <translation>维度 %1 必须满足 最小值 ≤ 使用的形状 ≤ 最大值（%2 ≤ %3 ≤ %4）</translation>
    </message>
    <message>
        <source>model nodes, e.g. conv1, layer4.*:fp16</source>
        <translation>模型节点，例如 conv1, layer4.*:fp16</translation>
    </message>
    <message>
        <source>Model nodes (names, or patterns with * and ?) whose layers run in a precision of their own, separated by commas: a node alone stays in FP32, node:fp16, node:bf16 or node:int8 asks for that precision whatever the build&apos;s. The Precision panel&apos;s bisection fills this in.</source>
        <translation>以逗号分隔的模型节点（名称，或含 * 和 ? 的模式），其层以自己的精度运行：只写节点则保持 FP32，节点:fp16、节点:bf16 或节点:int8 则不论构建精度如何都要求该精度。精度面板的二分查找会填写此处。</translation>
    </message>
    <message>
        <source>&amp;Layer precisions:</source>
        <translation>层精度(&amp;L)：</translation>
    </message>
    <message>
        <source>Co&amp;nstraints:</source>
        <translation>约束(&amp;N)：</translation>
    </message>
    <message>
        <source>Layer precisions (%1): %2.</source>
        <translation>层精度（%1）：%2。</translation>
    </message>
    <message>
        <source>obeyed</source>
        <translation>遵守</translation>
    </message>
    <message>
        <source>preferred</source>
        <translation>优先</translation>
    </message>
    <message>
        <source>Obey</source>
        <translation>遵守</translation>
    </message>
    <message>
        <source>Prefer</source>
        <translation>优先</translation>
    </message>
    <message>
        <source>What a build does with a layer that cannot run in the precision asked for it. Obey: fail, naming it and why. Prefer: run it in the precision it would have had and say so in the log.</source>
        <translation>层无法以所要求的精度运行时构建如何处理。遵守：失败，并指出该层及原因。优先：以其原本的精度运行，并在日志中说明。</translation>
    </message>
    <message>
        <source>shape tensor (%1 × %2)</source>
        <translation>形状张量（%1 × %2）</translation>
    </message>
    <message>
        <source>Its values decide shapes: double-click and type them, e.g. 2x-1</source>
        <translation>其值决定形状：双击后填写，例如 2x-1</translation>
    </message>
    <message>
        <source>“%1” are not values; write one integer per value, e.g. 2x-1</source>
        <translation>“%1”不是有效的值；每个值写一个整数，例如 2x-1</translation>
    </message>
    <message>
        <source>the shape tensor holds %1 values; %2 were given</source>
        <translation>该形状张量有 %1 个值，但给出了 %2 个</translation>
    </message>
    <message>
        <source>value %1 must satisfy min ≤ value to use ≤ max (%2 ≤ %3 ≤ %4)</source>
        <translation>值 %1 必须满足 最小值 ≤ 使用的值 ≤ 最大值（%2 ≤ %3 ≤ %4）</translation>
    </message>
    <message>
        <source>Timing in the network</source>
        <translation>网络中计时</translation>
    </message>
</context>
<context>
    <name>kiln::workbench::CalibrationPanel</name>
    <message>
        <source>Open an ONNX model to calibrate it.</source>
        <translation>打开 ONNX 模型即可对其进行校准。</translation>
    </message>
    <message>
        <source>INT8 calibration</source>
        <translation>INT8 校准</translation>
    </message>
    <message>
        <source>a .npy batch or a folder of them</source>
        <translation>单个 .npy 批次，或包含多个批次的文件夹</translation>
    </message>
    <message>
        <source>Representative inputs: one batch per .npy file, of the input&apos;s type and shape</source>
        <translation>具有代表性的输入：每个 .npy 文件一个批次，类型和形状与输入一致</translation>
    </message>
    <message>
        <source>File…</source>
        <translation>文件…</translation>
    </message>
    <message>
        <source>Choose one .npy batch</source>
        <translation>选择一个 .npy 批次</translation>
    </message>
    <message>
        <source>Folder…</source>
        <translation>文件夹…</translation>
    </message>
    <message>
        <source>Choose a folder of .npy batches</source>
        <translation>选择包含 .npy 批次的文件夹</translation>
    </message>
    <message>
        <source>&amp;Data:</source>
        <translation>数据(&amp;D)：</translation>
    </message>
    <message>
        <source>Calibration Batch</source>
        <translation>校准批次</translation>
    </message>
    <message>
        <source>NumPy arrays (*.npy);;All files (*)</source>
        <translation>NumPy 数组 (*.npy);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Folder of Calibration Batches</source>
        <translation>校准批次文件夹</translation>
    </message>
    <message>
        <source>Entropy (KL divergence)</source>
        <translation>Entropy（KL 散度）</translation>
    </message>
    <message>
        <source>Min-max</source>
        <translation>Min-max</translation>
    </message>
    <message>
        <source>Percentile</source>
        <translation>Percentile</translation>
    </message>
    <message>
        <source>MSE (least squared error)</source>
        <translation>MSE（最小平方误差）</translation>
    </message>
    <message>
        <source>How each activation&apos;s histogram becomes a clipping threshold</source>
        <translation>如何将每个激活的直方图转换为截断阈值</translation>
    </message>
    <message>
        <source>&amp;Algorithm:</source>
        <translation>算法(&amp;A)：</translation>
    </message>
    <message>
        <source> %</source>
        <translation> %</translation>
    </message>
    <message>
        <source>The share of |x| values at or below the threshold</source>
        <translation>小于或等于阈值的 |x| 值所占的比例</translation>
    </message>
    <message>
        <source>P&amp;ercentile:</source>
        <translation>Percentile(&amp;E)：</translation>
    </message>
    <message>
        <source>optional: reused when it matches</source>
        <translation>可选：匹配时复用</translation>
    </message>
    <message>
        <source>A calibration cache is reused when it matches the model, the algorithm and the data, and written after every calibration</source>
        <translation>校准缓存与模型、算法和数据都匹配时会被复用，并在每次校准后写入</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Choose the calibration cache file</source>
        <translation>选择校准缓存文件</translation>
    </message>
    <message>
        <source>&amp;Cache file:</source>
        <translation>缓存文件(&amp;C)：</translation>
    </message>
    <message>
        <source>Calibration Cache File</source>
        <translation>校准缓存文件</translation>
    </message>
    <message>
        <source>Calibration caches (*.cache *.txt);;All files (*)</source>
        <translation>校准缓存 (*.cache *.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>&amp;Calibrate</source>
        <translation>校准(&amp;C)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>The calibration log says which data and cache were used, and why a cache was not.</source>
        <translation>校准日志会说明使用了哪些数据和缓存，以及未使用缓存的原因。</translation>
    </message>
    <message>
        <source>Not calibrated: give calibration data (or a cache) and press Calibrate.</source>
        <translation>尚未校准：请提供校准数据（或缓存），然后点击“校准”。</translation>
    </message>
    <message>
        <source>Give calibration data (a .npy batch or a folder of them), or a calibration cache.</source>
        <translation>请提供校准数据（单个 .npy 批次或包含多个批次的文件夹），或校准缓存。</translation>
    </message>
    <message>
        <source>Loading the calibration cache %1…</source>
        <translation>正在加载校准缓存 %1…</translation>
    </message>
    <message>
        <source>Loading the calibration cache…</source>
        <translation>正在加载校准缓存…</translation>
    </message>
    <message>
        <source>Calibration of %1 started: %2 on %3.</source>
        <translation>开始校准 %1：%2，数据 %3。</translation>
    </message>
    <message>
        <source>Calibrating…</source>
        <translation>正在校准…</translation>
    </message>
    <message>
        <source>Cancelling the calibration…</source>
        <translation>正在取消校准…</translation>
    </message>
    <message>
        <source>%p %</source>
        <translation>%p %</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Calibrated in %1 s: %2.</source>
        <translation>校准用时 %1 秒：%2。</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Calibration cancelled.</source>
        <translation>校准已取消。</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Calibration failed: %1</source>
        <translation>校准失败：%1</translation>
    </message>
    <message>
        <source>The calibration cache %1 cannot be used: %2; calibrating again.</source>
        <translation>无法使用校准缓存 %1：%2；重新校准。</translation>
    </message>
    <message>
        <source>The calibration cache %1 is not reused: %2; calibrating again.</source>
        <translation>未复用校准缓存 %1：%2；重新校准。</translation>
    </message>
    <message>
        <source>Scales reused from the calibration cache %1: it matches the model, the algorithm and the data.</source>
        <translation>已复用校准缓存 %1 中的缩放因子：它与模型、算法和数据都匹配。</translation>
    </message>
    <message>
        <source>Scales loaded from the calibration cache %1 as they are (no data given, so no histograms).</source>
        <translation>已按原样从校准缓存 %1 加载缩放因子（未提供数据，因此没有直方图）。</translation>
    </message>
    <message>
        <source>Calibration cache written: %1.</source>
        <translation>校准缓存已写入：%1。</translation>
    </message>
    <message>
        <source>The calibration cache %1 could not be written: %2</source>
        <translation>无法写入校准缓存 %1：%2</translation>
    </message>
    <message>
        <source>&amp;Load Cache</source>
        <translation>加载缓存(&amp;L)</translation>
    </message>
    <message>
        <source>Use the scales of the calibration cache, if it was made for this model with this algorithm</source>
        <translation>如果校准缓存是使用此算法为此模型生成的，则使用其中的缩放因子</translation>
    </message>
    <message>
        <source>Run the model on the calibration data and choose every activation&apos;s INT8 range</source>
        <translation>在校准数据上运行模型，并为每个激活选择 INT8 范围</translation>
    </message>
</context>
<context>
    <name>kiln::workbench::ComparisonWindow</name>
    <message>
        <source>Compare Engines — Kiln Workbench</source>
        <translation>比较引擎 — Kiln 工作台</translation>
    </message>
    <message>
        <source>Engine A:</source>
        <translation>引擎 A：</translation>
    </message>
    <message>
        <source>Engine B:</source>
        <translation>引擎 B：</translation>
    </message>
    <message>
        <source>Engine shown in the workbench</source>
        <translation>工作台中显示的引擎</translation>
    </message>
    <message>
        <source>Plan file</source>
        <translation>计划文件</translation>
    </message>
    <message>
        <source>Open model, Build panel&apos;s options</source>
        <translation>打开的模型，构建面板的选项</translation>
    </message>
    <message>
        <source>Open model, no fusion</source>
        <translation>打开的模型，不融合</translation>
    </message>
    <message>
        <source>Open model, FP16</source>
        <translation>打开的模型，FP16</translation>
    </message>
    <message>
        <source>Plan file (.plan)</source>
        <translation>计划文件 (.plan)</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Profiled runs:</source>
        <translation>剖析运行次数：</translation>
    </message>
    <message>
        <source>Timed runs of each engine, in alternating rounds of ten</source>
        <translation>每个引擎的计时运行次数，以每轮十次交替进行</translation>
    </message>
    <message>
        <source>Warm-up runs:</source>
        <translation>预热运行次数：</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Groups as CSV…</source>
        <translation>分组导出为 CSV…</translation>
    </message>
    <message>
        <source>Comparison as JSON…</source>
        <translation>比较结果导出为 JSON…</translation>
    </message>
    <message>
        <source>Chart as PNG…</source>
        <translation>图表导出为 PNG…</translation>
    </message>
    <message>
        <source>Window as PNG…</source>
        <translation>窗口导出为 PNG…</translation>
    </message>
    <message>
        <source>Choose two engines and press Compare.</source>
        <translation>选择两个引擎，然后按“比较”。</translation>
    </message>
    <message>
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <source>%1, %2 (shown)</source>
        <translation>%1，%2（当前显示）</translation>
    </message>
    <message>
        <source>%1 (shown)</source>
        <translation>%1（当前显示）</translation>
    </message>
    <message>
        <source>%1, Build panel&apos;s options</source>
        <translation>%1，构建面板的选项</translation>
    </message>
    <message>
        <source>%1, no fusion</source>
        <translation>%1，不融合</translation>
    </message>
    <message>
        <source>%1, FP16</source>
        <translation>%1，FP16</translation>
    </message>
    <message>
        <source>Comparing…</source>
        <translation>正在比较…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Comparison cancelled.</source>
        <translation>比较已取消。</translation>
    </message>
    <message>
        <source>Comparison failed.</source>
        <translation>比较失败。</translation>
    </message>
    <message>
        <source>Could not compare the engines. %1</source>
        <translation>无法比较引擎。%1</translation>
    </message>
    <message numerus="yes">
        <source>Compared in %1 s: %n layer group(s); median latency A %2 ms, B %3 ms (B/A %4).</source>
        <translation>
            <numerusform>比较用时 %1 秒：%n 个层组；中位延迟 A %2 毫秒，B %3 毫秒（B/A %4）。</numerusform>
        </translation>
    </message>
    <message>
        <source>Plan for engine A</source>
        <translation>引擎 A 的计划</translation>
    </message>
    <message>
        <source>Plan for engine B</source>
        <translation>引擎 B 的计划</translation>
    </message>
    <message>
        <source>Kiln plans (*.plan *.engine);;All files (*)</source>
        <translation>Kiln 计划 (*.plan *.engine);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Nothing to export yet: compare two engines first.</source>
        <translation>尚无可导出的内容：请先比较两个引擎。</translation>
    </message>
    <message>
        <source>Written: %1</source>
        <translation>已写入：%1</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>导出失败：%1</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Export comparison</source>
        <translation>导出比较结果</translation>
    </message>
</context>
<context>
    <name>kiln::workbench::Document</name>
    <message>
        <source>The model could not be opened with the shapes given for %1: %2</source>
        <translation>无法使用为 %1 指定的形状打开模型：%2</translation>
    </message>
    <message>
        <source>The file does not exist or is not a regular file.</source>
        <translation>文件不存在或不是普通文件。</translation>
    </message>
    <message>
        <source>These inputs have symbolic dimensions: %1. The model does not open with every symbolic dimension at 1, 32 or 224 (at 1: %2): enter a shape for each of them in the Build panel and press “Open with These Shapes”.</source>
        <translation>这些输入具有符号维度：%1。将所有符号维度设为 1、32 或 224 时模型都无法打开（设为 1 时：%2）：请在“构建”面板中为每个输入填写形状，然后点击“使用这些形状打开”。</translation>
    </message>
    <message>
        <source>These inputs are shape tensors, whose values decide shapes: %1. Type their values under Inputs (e.g. 2x-1) and press “Open with These Shapes”.</source>
        <translation>这些输入是形状张量，其值决定形状：%1。请在“输入”下填写它们的值（例如 2x-1），然后点击“使用这些形状打开”。</translation>
    </message>
    <message>
        <source>A Caffe net needs its weights: open the .prototxt together with its .caffemodel (select both), or put %1 beside it.</source>
        <translation>Caffe 网络需要它的权重：将 .prototxt 与其 .caffemodel 一起打开（同时选中两者），或将 %1 放在它旁边。</translation>
    </message>
    <message>
        <source>No TensorRT engine is open: open its engine graph JSON first.</source>
        <translation>没有打开 TensorRT 引擎：请先打开它的引擎图 JSON。</translation>
    </message>
</context>
<context>
    <name>kiln::workbench::EngineComparisonJob</name>
    <message>
        <source>the workbench shows no engine yet: build the model or open a plan first, or choose a plan file</source>
        <translation>工作台尚未显示引擎：请先构建模型或打开计划，或选择一个计划文件</translation>
    </message>
    <message>
        <source>no plan file chosen: choose one with “Browse…”</source>
        <translation>未选择计划文件：请用“浏览…”选择一个</translation>
    </message>
    <message>
        <source>Loading %1</source>
        <translation>正在加载 %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; does not exist: choose an existing plan file</source>
        <translation>“%1”不存在：请选择一个存在的计划文件</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a Kiln plan: choose a plan file (built with “Export Plan…” or kiln build), or compare the open model built with other options</source>
        <translation>“%1”不是 Kiln 计划：请选择一个计划文件（用“导出计划…”或 kiln build 生成），或比较以其他选项构建的打开的模型</translation>
    </message>
    <message>
        <source>no model is open: open an ONNX or Caffe model to build it with other options, or choose a plan file</source>
        <translation>没有打开的模型：请打开一个 ONNX 或 Caffe 模型以其他选项构建，或选择一个计划文件</translation>
    </message>
    <message>
        <source>Building %1</source>
        <translation>正在构建 %1</translation>
    </message>
    <message>
        <source>The comparison was cancelled.</source>
        <translation>比较已取消。</translation>
    </message>
    <message>
        <source>The number of runs must be at least 1.</source>
        <translation>运行次数至少为 1。</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>The engines have different inputs; are they of one model? Layers match only where their model nodes have the same names.</source>
        <translation>两个引擎的输入不同；它们来自同一个模型吗？只有模型节点名称相同的层才能匹配。</translation>
    </message>
    <message>
        <source>Profiling A and B</source>
        <translation>正在剖析 A 和 B</translation>
    </message>
</context>
<context>
    <name>kiln::workbench::Exports</name>
    <message>
        <source>Export Plan</source>
        <translation>导出计划文件</translation>
    </message>
    <message>
        <source>Kiln plans (*.plan);;All files (*)</source>
        <translation>Kiln 计划文件 (*.plan);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Writing plan %1…</source>
        <translation>正在写入计划文件 %1…</translation>
    </message>
    <message>
        <source>Plan written to %1.</source>
        <translation>计划文件已写入 %1。</translation>
    </message>
    <message>
        <source>Could not export the plan</source>
        <translation>无法导出计划文件</translation>
    </message>
    <message>
        <source>Could not write the plan to %1.</source>
        <translation>无法将计划文件写入 %1。</translation>
    </message>
    <message>
        <source>%1

Choose a folder you can write to, with enough free space.</source>
        <translation>%1

请选择一个有写入权限且空间充足的文件夹。</translation>
    </message>
    <message>
        <source>Export Build Report</source>
        <translation>导出构建报告</translation>
    </message>
    <message>
        <source>JSON files (*.json);;All files (*)</source>
        <translation>JSON 文件 (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Build report written to %1.</source>
        <translation>构建报告已写入 %1。</translation>
    </message>
    <message>
        <source>Could not export the build report</source>
        <translation>无法导出构建报告</translation>
    </message>
    <message>
        <source>Could not write %1.</source>
        <translation>无法写入 %1。</translation>
    </message>
    <message>
        <source>%1

Choose a folder you can write to.</source>
        <translation>%1

请选择一个有写入权限的文件夹。</translation>
    </message>
    <message>
        <source>Export Visible Part of the Graph</source>
        <translation>导出图的可见部分</translation>
    </message>
    <message>
        <source>Export Graph</source>
        <translation>导出图</translation>
    </message>
    <message>
        <source>SVG drawings (*.svg);;PNG images (*.png)</source>
        <translation>SVG 矢量图 (*.svg);;PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Graph written to %1.</source>
        <translation>图已写入 %1。</translation>
    </message>
    <message>
        <source>Could not export the graph</source>
        <translation>无法导出图</translation>
    </message>
    <message>
        <source>Export Profile as CSV</source>
        <translation>将性能分析导出为 CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv);;All files (*)</source>
        <translation>CSV 文件 (*.csv);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Export Profile as JSON</source>
        <translation>将性能分析导出为 JSON</translation>
    </message>
    <message>
        <source>Export Profile Chart</source>
        <translation>导出性能分析图表</translation>
    </message>
    <message>
        <source>PNG images (*.png);;All files (*)</source>
        <translation>PNG 图像 (*.png);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Profile written to %1.</source>
        <translation>性能分析已写入 %1。</translation>
    </message>
    <message>
        <source>Could not export the profile</source>
        <translation>无法导出性能分析</translation>
    </message>
</context>
<context>
    <name>kiln::workbench::MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Filter layers and tensors by name</source>
        <translation>按名称筛选层和张量</translation>
    </message>
    <message>
        <source>ONNX models (*.onnx);;All files (*)</source>
        <translation>ONNX 模型 (*.onnx);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <comment>layer count, tensor count</comment>
        <translation>%1，%2</translation>
    </message>
    <message numerus="yes">
        <source>%n layer(s)</source>
        <translation>
            <numerusform>%n 层</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n tensor(s)</source>
        <translation>
            <numerusform>%n 个张量</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not open model</source>
        <translation>无法打开模型</translation>
    </message>
    <message>
        <source>Could not open %1.</source>
        <translation>无法打开 %1。</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>%1 (%2 of %3)</source>
        <translation>%1（%2/%3）</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Tensors</source>
        <translation>张量</translation>
    </message>
    <message>
        <source>&amp;Clear Menu</source>
        <translation>清除菜单(&amp;C)</translation>
    </message>
    <message>
        <source>Open an ONNX model or a Kiln plan</source>
        <translation>打开 ONNX 模型或 Kiln 计划文件</translation>
    </message>
    <message>
        <source>Open an ONNX model or a Kiln plan (%1)</source>
        <translation>打开 ONNX 模型或 Kiln 计划文件 (%1)</translation>
    </message>
    <message>
        <source>Export &amp;Plan…</source>
        <translation>导出计划文件(&amp;P)…</translation>
    </message>
    <message>
        <source>Save the built engine as a plan file for this machine</source>
        <translation>将构建好的引擎保存为适用于本机的计划文件</translation>
    </message>
    <message>
        <source>Export Build &amp;Report…</source>
        <translation>导出构建报告(&amp;R)…</translation>
    </message>
    <message>
        <source>Save what the build decided as JSON</source>
        <translation>将构建的决策保存为 JSON</translation>
    </message>
    <message>
        <source>Profile as &amp;CSV…</source>
        <translation>性能分析导出为 CSV(&amp;C)…</translation>
    </message>
    <message>
        <source>Profile as &amp;JSON…</source>
        <translation>性能分析导出为 JSON(&amp;J)…</translation>
    </message>
    <message>
        <source>Profile Chart as &amp;PNG…</source>
        <translation>性能分析图表导出为 PNG(&amp;P)…</translation>
    </message>
    <message>
        <source>Pre&amp;ferences…</source>
        <translation>首选项(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Build</source>
        <translation>构建(&amp;B)</translation>
    </message>
    <message>
        <source>Optimize the model into an engine with the Build panel&apos;s options</source>
        <translation>按“构建”面板中的选项将模型优化为引擎</translation>
    </message>
    <message>
        <source>&amp;Cancel Build</source>
        <translation>取消构建(&amp;C)</translation>
    </message>
    <message>
        <source>Stop the running build</source>
        <translation>停止正在进行的构建</translation>
    </message>
    <message>
        <source>&amp;Profile</source>
        <translation>性能分析(&amp;P)</translation>
    </message>
    <message>
        <source>Run the engine repeatedly on random inputs and time every layer</source>
        <translation>用随机输入反复运行引擎，并为每一层计时</translation>
    </message>
    <message>
        <source>Cancel P&amp;rofile</source>
        <translation>取消性能分析(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Reset Layout</source>
        <translation>重置布局(&amp;R)</translation>
    </message>
    <message>
        <source>Export Pro&amp;file</source>
        <translation>导出性能分析(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Kiln Workbench</source>
        <translation>关于 Kiln Workbench(&amp;A)</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>Properties</source>
        <translation>属性</translation>
    </message>
    <message>
        <source>Build</source>
        <translation>构建</translation>
    </message>
    <message>
        <source>Build Report</source>
        <translation>构建报告</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>性能分析</translation>
    </message>
    <message>
        <source>Tactics</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Kiln Workbench</source>
        <translation>Kiln Workbench</translation>
    </message>
    <message>
        <source>Open an ONNX model to see its layer graph, build an optimized engine, compare the graphs before and after fusion, and profile where the time goes. Use File ▸ Open (%1), or drop a .onnx or .plan file here.</source>
        <translation>打开 ONNX 模型即可查看其层图、构建优化后的引擎、比较融合前后的图，并分析时间花在哪里。请使用“文件 ▸ 打开”(%1)，或将 .onnx 或 .plan 文件拖放到这里。</translation>
    </message>
    <message>
        <source>Open Model…</source>
        <translation>打开模型…</translation>
    </message>
    <message>
        <source>Before fusion (model)</source>
        <translation>融合前（模型）</translation>
    </message>
    <message>
        <source>After fusion (engine)</source>
        <translation>融合后（引擎）</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <source>Build the model (or open a plan), then profile it.</source>
        <translation>先构建模型（或打开计划文件），再进行性能分析。</translation>
    </message>
    <message>
        <source>Open Model or Plan</source>
        <translation>打开模型或计划文件</translation>
    </message>
    <message>
        <source>Opened plan %1: %2 layers after fusion (%3 before), backend %4.</source>
        <translation>已打开计划文件 %1：融合后 %2 层（融合前 %3 层），后端 %4。</translation>
    </message>
    <message numerus="yes">
        <source>Opened model %1: %n layer(s).</source>
        <translation>
            <numerusform>已打开模型 %1：%n 层。</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 needs input shapes: enter them in the Build panel.</source>
        <translation>%1 需要输入形状：请在“构建”面板中填写。</translation>
    </message>
    <message>
        <source>

%1 is still open.</source>
        <translation>

%1 仍处于打开状态。</translation>
    </message>
    <message>
        <source>Plan built elsewhere</source>
        <translation>计划文件构建于其他环境</translation>
    </message>
    <message>
        <source>%1 was built by another Kiln version or for another machine, so it cannot run here.</source>
        <translation>%1 由其他 Kiln 版本构建，或是为其他机器构建的，因此无法在这里运行。</translation>
    </message>
    <message>
        <source>%1

Plans run only where they were built: the same Kiln version, backend and device. Rebuild it from its ONNX model: “Rebuild from Model…” opens the model and starts a build here.%2</source>
        <translation>%1

计划文件只能在构建它的环境中运行：相同的 Kiln 版本、后端和设备。请从它的 ONNX 模型重新构建：“从模型重新构建…”会打开模型并在这里开始构建。%2</translation>
    </message>
    <message>
        <source>Damaged plan</source>
        <translation>计划文件已损坏</translation>
    </message>
    <message>
        <source>%1 is not a usable Kiln plan.</source>
        <translation>%1 不是可用的 Kiln 计划文件。</translation>
    </message>
    <message>
        <source>%1

If the file was copied from elsewhere, copy it again. Otherwise rebuild it from its ONNX model with “Rebuild from Model…”.%2</source>
        <translation>%1

如果该文件是从别处复制来的，请重新复制。否则请使用“从模型重新构建…”从它的 ONNX 模型重新构建。%2</translation>
    </message>
    <message>
        <source>%1

Check that the file is an ONNX model and is complete (export it again if in doubt), or open another file.%2</source>
        <translation>%1

请检查该文件是否为完整的 ONNX 模型（如有疑问请重新导出），或打开其他文件。%2</translation>
    </message>
    <message>
        <source>Rebuild from Model…</source>
        <translation>从模型重新构建…</translation>
    </message>
    <message>
        <source>Rebuild from Model</source>
        <translation>从模型重新构建</translation>
    </message>
    <message>
        <source>Building…</source>
        <translation>正在构建…</translation>
    </message>
    <message>
        <source>Cancelling the build…</source>
        <translation>正在取消构建…</translation>
    </message>
    <message>
        <source>Building: %1…</source>
        <translation>正在构建：%1…</translation>
    </message>
    <message>
        <source>Build finished in %1 s.</source>
        <translation>构建完成，用时 %1 秒。</translation>
    </message>
    <message>
        <source>Build cancelled.</source>
        <translation>构建已取消。</translation>
    </message>
    <message>
        <source>Build failed: see the Build panel.</source>
        <translation>构建失败：请查看“构建”面板。</translation>
    </message>
    <message>
        <source>The engine is ready to profile.</source>
        <translation>引擎已就绪，可以进行性能分析。</translation>
    </message>
    <message>
        <source>Plan written to %1.</source>
        <translation>计划文件已写入 %1。</translation>
    </message>
    <message>
        <source>The new language takes effect the next time Kiln starts.</source>
        <translation>新语言将在下次启动 Kiln 时生效。</translation>
    </message>
    <message>
        <source>About Kiln Workbench</source>
        <translation>关于 Kiln Workbench</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Kiln Workbench %1&lt;/h3&gt;&lt;p&gt;Inspect, optimize and profile neural-network models: the layer graph before and after fusion, what each optimization chose, what each kernel candidate cost, and where the time goes.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Kiln Workbench %1&lt;/h3&gt;&lt;p&gt;检查、优化和分析神经网络模型：融合前后的层图、每项优化做出的选择、每个候选内核的耗时，以及时间花在哪里。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>A plan is already built: open its ONNX model to build again.</source>
        <translation>计划文件已经构建好：如需重新构建，请打开它的 ONNX 模型。</translation>
    </message>
    <message>
        <source>Open an ONNX model first.</source>
        <translation>请先打开 ONNX 模型。</translation>
    </message>
    <message>
        <source>Wait for the profile to finish.</source>
        <translation>请等待性能分析完成。</translation>
    </message>
    <message>
        <source>loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>building %1 %</source>
        <translation>正在构建 %1 %</translation>
    </message>
    <message>
        <source>profiling %1 %</source>
        <translation>正在分析 %1 %</translation>
    </message>
    <message>
        <source>plan, %1, %2</source>
        <translation>计划文件，%1，%2</translation>
    </message>
    <message>
        <source>built, %1, %2</source>
        <translation>已构建，%1，%2</translation>
    </message>
    <message>
        <source>not built</source>
        <translation>未构建</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <comment>file — state</comment>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>%1 → %2 layers after fusion</source>
        <translation>融合后 %1 → %2 层</translation>
    </message>
    <message>
        <source>%1; %2</source>
        <comment>model summary; engine summary</comment>
        <translation>%1；%2</translation>
    </message>
    <message>
        <source>%1 has inputs with symbolic dimensions: give them shapes under Inputs and press “Open with These Shapes”.</source>
        <translation>%1 的输入具有符号维度：请在“输入”下为它们指定形状，然后点击“使用这些形状打开”。</translation>
    </message>
    <message>
        <source>Calibration</source>
        <translation>校准</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>A plan is built already: open its ONNX model to calibrate it.</source>
        <translation>计划文件已经构建好：如需校准，请打开它的 ONNX 模型。</translation>
    </message>
    <message>
        <source>A plan is built already: open its ONNX model to compare precisions.</source>
        <translation>计划文件已经构建好：如需比较精度，请打开它的 ONNX 模型。</translation>
    </message>
    <message>
        <source>INT8 ranges from the Calibration panel: %1.</source>
        <translation>来自“校准”面板的 INT8 范围：%1。</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <comment>precision, error measure</comment>
        <translation>%1，%2</translation>
    </message>
    <message>
        <source>Precision comparison finished: the graph is colored by error against FP32.</source>
        <translation>精度比较完成：图已按相对 FP32 的误差着色。</translation>
    </message>
    <message>
        <source>The bisection keeps no layer in FP32.</source>
        <translation>二分查找没有将任何层保持为 FP32。</translation>
    </message>
    <message>
        <source>The bisection keeps in FP32: %1.</source>
        <translation>二分查找保持为 FP32 的节点：%1。</translation>
    </message>
    <message>
        <source>The constraints are in the Build panel: build when the running job is done.</source>
        <translation>约束已填入“构建”面板：请在当前任务完成后进行构建。</translation>
    </message>
    <message>
        <source>Layer shapes are shown by symbol (“/” rounds down); the model was imported at assumed sizes (%1): change them under Inputs and press “Open with These Shapes”.</source>
        <translation>层的形状按符号显示（“/”向下取整）；模型按假定大小导入（%1）：可在“输入”下修改，然后点击“使用这些形状打开”。</translation>
    </message>
    <message>
        <source>Symbolic dimensions are shown at assumed sizes (%1): change them under Inputs and press “Open with These Shapes”.</source>
        <translation>符号维度按假定大小显示（%1）：可在“输入”下修改，然后点击“使用这些形状打开”。</translation>
    </message>
    <message>
        <source>Not built: %1</source>
        <translation>未构建：%1</translation>
    </message>
    <message>
        <source>Building one engine for a range of shapes: %1.</source>
        <translation>为一个形状范围构建一个引擎：%1。</translation>
    </message>
    <message>
        <source>Choose the Net of %1</source>
        <translation>选择 %1 的网络</translation>
    </message>
    <message>
        <source>Caffe nets (*.prototxt);;All files (*)</source>
        <translation>Caffe 网络 (*.prototxt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Choose the Weights of %1</source>
        <translation>选择 %1 的权重</translation>
    </message>
    <message>
        <source>Caffe weights (*.caffemodel);;All files (*)</source>
        <translation>Caffe 权重 (*.caffemodel);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Lint</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Export &amp;Graph…</source>
        <translation>导出图(&amp;G)…</translation>
    </message>
    <message>
        <source>Save the graph after fusion (before fusion while there is no engine), with its colors and legend, as PNG or SVG</source>
        <translation>将融合后的图（没有引擎时为融合前的图）连同其颜色和图例保存为 PNG 或 SVG</translation>
    </message>
    <message>
        <source>Export &amp;Visible Part of the Graph…</source>
        <translation>导出图的可见部分(&amp;V)…</translation>
    </message>
    <message>
        <source>Save the part of the graph in view as PNG or SVG</source>
        <translation>将视图中可见的那部分图保存为 PNG 或 SVG</translation>
    </message>
    <message>
        <source>Plugin libraries not loaded: %1</source>
        <translation>未能加载的插件库：%1</translation>
    </message>
    <message>
        <source>Models and plans (*.onnx *.prototxt *.caffemodel *.plan *.engine *.json);;ONNX models (*.onnx);;Caffe nets (*.prototxt *.caffemodel);;Kiln plans (*.plan *.engine);;TensorRT engine graphs, trtexec --exportLayerInfo (*.json);;All files (*)</source>
        <translation>模型和计划 (*.onnx *.prototxt *.caffemodel *.plan *.engine *.json);;ONNX 模型 (*.onnx);;Caffe 网络 (*.prototxt *.caffemodel);;Kiln 计划 (*.plan *.engine);;TensorRT 引擎图，trtexec --exportLayerInfo (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>A TensorRT engine is built already: open its ONNX model to calibrate it.</source>
        <translation>TensorRT 引擎已经构建完成：请打开它的 ONNX 模型来进行校准。</translation>
    </message>
    <message>
        <source>A TensorRT engine is built already: open its ONNX model to compare precisions.</source>
        <translation>TensorRT 引擎已经构建完成：请打开它的 ONNX 模型来比较精度。</translation>
    </message>
    <message numerus="yes">
        <source>Opened TensorRT engine %1: %n layer(s).</source>
        <translation>
            <numerusform>已打开 TensorRT 引擎 %1：%n 层。</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not read the TensorRT engine</source>
        <translation>无法读取 TensorRT 引擎</translation>
    </message>
    <message>
        <source>Could not read %1.</source>
        <translation>无法读取 %1。</translation>
    </message>
    <message>
        <source>%1

Open the JSON that trtexec writes with --exportLayerInfo (built with --profilingVerbosity=detailed for the layers&apos; fields); its --exportProfile JSON, named *.profile.json beside it, gives the times.%2</source>
        <translation>%1

请打开 trtexec 以 --exportLayerInfo 写出的 JSON（构建时使用 --profilingVerbosity=detailed 才有各层的字段）；放在它旁边、名为 *.profile.json 的 --exportProfile JSON 提供时间。%2</translation>
    </message>
    <message>
        <source>TensorRT&apos;s exports hold the engine alone: there is no graph before fusion. Open the ONNX model it was built from to see that one.</source>
        <translation>TensorRT 的导出文件只包含引擎本身：没有融合前的图。请打开构建它所用的 ONNX 模型来查看融合前的图。</translation>
    </message>
    <message>
        <source>No profile beside the engine: open trtexec&apos;s --exportProfile JSON.</source>
        <translation>引擎旁边没有性能分析文件：请打开 trtexec 的 --exportProfile JSON。</translation>
    </message>
    <message>
        <source>%1 runs profiled by trtexec; the layers add up to %2.</source>
        <translation>trtexec 分析了 %1 次运行；各层合计 %2。</translation>
    </message>
    <message>
        <source>Average times per run from %1</source>
        <translation>每次运行的平均时间，来自 %1</translation>
    </message>
    <message>
        <source>Open TensorRT Profile</source>
        <translation>打开 TensorRT 性能分析</translation>
    </message>
    <message>
        <source>trtexec profiles, --exportProfile (*.json);;All files (*)</source>
        <translation>trtexec 性能分析，--exportProfile (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>A TensorRT engine is shown from its JSON exports: Kiln cannot build or run it. Its times come from trtexec&apos;s --exportProfile JSON.</source>
        <translation>此 TensorRT 引擎来自其 JSON 导出文件：Kiln 无法构建或运行它。它的时间来自 trtexec 的 --exportProfile JSON。</translation>
    </message>
    <message>
        <source>TensorRT engine, %1</source>
        <translation>TensorRT 引擎，%1</translation>
    </message>
    <message numerus="yes">
        <source>TensorRT engine: %n layer(s)</source>
        <translation>
            <numerusform>TensorRT 引擎：%n 层</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>Co&amp;mpare Engines…</source>
        <translation>比较引擎(&amp;M)…</translation>
    </message>
</context>
<context>
    <name>kiln::workbench::PrecisionJob</name>
    <message>
        <source>Building the %1 engine…</source>
        <translation>正在构建 %1 引擎…</translation>
    </message>
    <message>
        <source>random inputs in ±%1 (seed %2)</source>
        <translation>±%1 范围内的随机输入（种子 %2）</translation>
    </message>
    <message>
        <source>Running the %1 engine and recording every tensor…</source>
        <translation>正在运行 %1 引擎并记录每个张量…</translation>
    </message>
    <message>
        <source>Timing the %1 engine…</source>
        <translation>正在为 %1 引擎计时…</translation>
    </message>
    <message>
        <source>%1 of %2 layers simulated</source>
        <translation>%2 层中有 %1 层为模拟运行</translation>
    </message>
</context>
<context>
    <name>kiln::workbench::PrecisionPanel</name>
    <message>
        <source>NaN or overflow</source>
        <translation>NaN 或溢出</translation>
    </message>
    <message>
        <source>Open an ONNX model to compare its precisions.</source>
        <translation>打开 ONNX 模型即可比较其各种精度。</translation>
    </message>
    <message>
        <source>Compare with FP32</source>
        <translation>与 FP32 比较</translation>
    </message>
    <message>
        <source>FP&amp;16</source>
        <translation>FP&amp;16</translation>
    </message>
    <message>
        <source>&amp;BF16</source>
        <translation>&amp;BF16</translation>
    </message>
    <message>
        <source>&amp;INT8</source>
        <translation>&amp;INT8</translation>
    </message>
    <message>
        <source>Precisions:</source>
        <translation>精度：</translation>
    </message>
    <message>
        <source>± </source>
        <translation>± </translation>
    </message>
    <message>
        <source>Random inputs are uniform in [−a, a], with a fixed seed: every engine sees the same values</source>
        <translation>随机输入在 [−a, a] 内均匀分布，并使用固定种子：每个引擎得到的数值都相同</translation>
    </message>
    <message>
        <source>Random &amp;inputs:</source>
        <translation>随机输入(&amp;I)：</translation>
    </message>
    <message>
        <source>or a .npy file for the input</source>
        <translation>或为输入指定 .npy 文件</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Choose a .npy file holding the model&apos;s input</source>
        <translation>选择包含模型输入的 .npy 文件</translation>
    </message>
    <message>
        <source>Input for the Comparison</source>
        <translation>用于比较的输入</translation>
    </message>
    <message>
        <source>NumPy arrays (*.npy);;All files (*)</source>
        <translation>NumPy 数组 (*.npy);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Input file:</source>
        <translation>输入文件：</translation>
    </message>
    <message>
        <source>Timed runs per engine; its latency is their median</source>
        <translation>每个引擎的计时运行次数；其延迟取这些运行的中位数</translation>
    </message>
    <message>
        <source>&amp;Latency runs:</source>
        <translation>延迟运行次数(&amp;L)：</translation>
    </message>
    <message>
        <source>Co&amp;mpare</source>
        <translation>比较(&amp;M)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Which layers must stay in FP32?</source>
        <translation>哪些层必须保持为 FP32？</translation>
    </message>
    <message>
        <source>The compared precision to bisect</source>
        <translation>要进行二分查找的已比较精度</translation>
    </message>
    <message>
        <source>Every output&apos;s largest error may be at most this share of its largest FP32 magnitude, e.g. 0.01 or 1e-3</source>
        <translation>每个输出的最大误差最多可为其最大 FP32 幅值的这一比例，例如 0.01 或 1e-3</translation>
    </message>
    <message>
        <source>tolerance:</source>
        <translation>容差：</translation>
    </message>
    <message>
        <source>Bisect:</source>
        <translation>二分查找：</translation>
    </message>
    <message>
        <source>&amp;Bisect</source>
        <translation>二分查找(&amp;B)</translation>
    </message>
    <message>
        <source>Build again with layers kept in FP32, halving the candidates each time, until the fewest that meet the tolerance are found</source>
        <translation>将部分层保持为 FP32 并重新构建，每次将候选减半，直到找到满足容差的最少层</translation>
    </message>
    <message>
        <source>&amp;Apply and Rebuild</source>
        <translation>应用并重新构建(&amp;A)</translation>
    </message>
    <message>
        <source>Keep these nodes in FP32 in the Build panel and build in the bisected precision</source>
        <translation>在“构建”面板中将这些节点保持为 FP32，并以二分查找所用的精度进行构建</translation>
    </message>
    <message>
        <source>The model nodes to keep in FP32</source>
        <translation>要保持为 FP32 的模型节点</translation>
    </message>
    <message>
        <source>Compare first; then bisect a reduced precision.</source>
        <translation>请先比较，再对某一低精度进行二分查找。</translation>
    </message>
    <message>
        <source>Choose the precisions to compare with FP32 and press Compare.</source>
        <translation>选择要与 FP32 比较的精度，然后点击“比较”。</translation>
    </message>
    <message>
        <source>INT8 needs calibrated ranges: calibrate in the Calibration panel</source>
        <translation>INT8 需要校准后的范围：请在“校准”面板中进行校准</translation>
    </message>
    <message numerus="yes">
        <source>INT8 with the ranges of the Calibration panel (%n tensor(s))</source>
        <translation>
            <numerusform>INT8，使用“校准”面板中的范围（%n 个张量）</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose at least one precision to compare with FP32.</source>
        <translation>请至少选择一种要与 FP32 比较的精度。</translation>
    </message>
    <message>
        <source>Comparing…</source>
        <translation>正在比较…</translation>
    </message>
    <message>
        <source>The tolerance must be a positive number, e.g. 0.01.</source>
        <translation>容差必须为正数，例如 0.01。</translation>
    </message>
    <message>
        <source>Bisecting %1 with tolerance %2…</source>
        <translation>正在以容差 %2 对 %1 进行二分查找…</translation>
    </message>
    <message>
        <source>Bisecting: each step is a build and a run…</source>
        <translation>正在进行二分查找：每一步都要构建并运行一次…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>%1 %2 ms</source>
        <translation>%1 %2 ms</translation>
    </message>
    <message numerus="yes">
        <source>Compared on %1. Median latency of %n run(s): %2.</source>
        <translation>
            <numerusform>已在 %1 上完成比较。%n 次运行的中位延迟：%2。</numerusform>
        </translation>
    </message>
    <message>
        <source>Bisect to find the fewest layers to keep in FP32.</source>
        <translation>进行二分查找，找出需要保持为 FP32 的最少层。</translation>
    </message>
    <message>
        <source>Comparison cancelled.</source>
        <translation>比较已取消。</translation>
    </message>
    <message>
        <source>Comparison failed: %1</source>
        <translation>比较失败：%1</translation>
    </message>
    <message numerus="yes">
        <source>Bisection build %1: %n node(s) kept in FP32, worst output error %2 (%3).</source>
        <translation>
            <numerusform>二分查找第 %1 次构建：%n 个节点保持为 FP32，最差输出误差 %2（%3）。</numerusform>
        </translation>
    </message>
    <message>
        <source>meets the tolerance</source>
        <translation>满足容差</translation>
    </message>
    <message>
        <source>too large</source>
        <translation>过大</translation>
    </message>
    <message>
        <source>Bisection cancelled.</source>
        <translation>二分查找已取消。</translation>
    </message>
    <message>
        <source>Bisection failed: %1</source>
        <translation>二分查找失败：%1</translation>
    </message>
    <message numerus="yes">
        <source>Even with every %1 layer in FP32 the outputs miss the tolerance %2 (%n build(s) tried).</source>
        <translation>
            <numerusform>即使将所有 %1 层都保持为 FP32，输出仍不满足容差 %2（已尝试 %n 次构建）。</numerusform>
        </translation>
    </message>
    <message>
        <source>The %1 engine meets the tolerance %2 as it is.</source>
        <translation>%1 引擎无需改动即满足容差 %2。</translation>
    </message>
    <message numerus="yes">
        <source>Keep %n node(s) in FP32 to meet the tolerance %1 in %2 (%3 builds tried):</source>
        <translation>
            <numerusform>将 %n 个节点保持为 FP32，即可在 %2 中满足容差 %1（已尝试 %3 次构建）：</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose at least one precision to compare with FP32</source>
        <translation>请至少选择一种要与 FP32 比较的精度</translation>
    </message>
    <message>
        <source>Build the model in FP32 and in each chosen precision, run them on the same inputs and compare every tensor</source>
        <translation>以 FP32 和每种所选精度构建模型，在相同输入上运行，并比较每个张量</translation>
    </message>
</context>
<context>
    <name>kiln::workbench::PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation>首选项</translation>
    </message>
    <message>
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>A new language takes effect the next time Kiln starts.</source>
        <translation>新语言将在下次启动 Kiln 时生效。</translation>
    </message>
    <message>
        <source>Interface</source>
        <translation>界面</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>&amp;Keep tactic timings in a cache file</source>
        <translation>将策略计时保存在缓存文件中(&amp;K)</translation>
    </message>
    <message>
        <source>Rebuilds of layers that were timed before on this machine take their timings from the cache.</source>
        <translation>重新构建时，在本机上计时过的层直接从缓存中获取计时结果。</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Build</source>
        <translation>构建</translation>
    </message>
    <message>
        <source>Timing cache &amp;file:</source>
        <translation>计时缓存文件(&amp;F)：</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>性能分析</translation>
    </message>
    <message>
        <source>Timed &amp;runs:</source>
        <translation>计时运行次数(&amp;R)：</translation>
    </message>
    <message>
        <source>&amp;Warm-up runs:</source>
        <translation>预热运行次数(&amp;W)：</translation>
    </message>
    <message>
        <source>Timing Cache File</source>
        <translation>计时缓存文件</translation>
    </message>
    <message>
        <source>Timing caches (*.cache);;All files (*)</source>
        <translation>计时缓存 (*.cache);;所有文件 (*)</translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation>添加(&amp;A)…</translation>
    </message>
    <message>
        <source>Re&amp;move</source>
        <translation>移除(&amp;M)</translation>
    </message>
    <message>
        <source>Libraries of custom layers, loaded now and at every start. A removed library stays loaded until Kiln restarts.</source>
        <translation>自定义层的库：现在加载，并在每次启动时加载。移除的库在 Kiln 重新启动之前仍保持加载。</translation>
    </message>
    <message>
        <source>Plugins</source>
        <translation>插件</translation>
    </message>
    <message>
        <source>Plugin Libraries</source>
        <translation>插件库</translation>
    </message>
    <message>
        <source>Shared libraries (*.so);;All files (*)</source>
        <translation>共享库 (*.so);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>kiln::workbench::ProfilePanel</name>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>Timed runs; each layer&apos;s time is its median over them</source>
        <translation>计时运行次数；每层的时间取这些运行的中位数</translation>
    </message>
    <message>
        <source>Untimed runs first, so that caches and allocations settle</source>
        <translation>先进行不计时的运行，使缓存和内存分配稳定下来</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>性能分析</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Build the model (or open a plan), then profile it.</source>
        <translation>先构建模型（或打开计划文件），再进行性能分析。</translation>
    </message>
    <message>
        <source>Extents of the first dimension an engine built for a range of shapes lets vary (usually the batch), separated by commas</source>
        <translation>为形状范围构建的引擎中第一个可变维度（通常为批大小）的取值，用逗号分隔</translation>
    </message>
    <message>
        <source>Sweep</source>
        <translation>扫描</translation>
    </message>
    <message>
        <source>Run the engine at each extent and plot latency and throughput against it</source>
        <translation>在每个取值下运行引擎，并绘制延迟和吞吐量随之变化的曲线</translation>
    </message>
    <message>
        <source>Runs:</source>
        <translation>运行次数：</translation>
    </message>
    <message>
        <source>Warm-up:</source>
        <translation>预热：</translation>
    </message>
    <message>
        <source>Sweep:</source>
        <translation>扫描：</translation>
    </message>
    <message>
        <source>Profiling: %1 runs after %2 warm-up runs…</source>
        <translation>正在进行性能分析：预热 %2 次后运行 %1 次…</translation>
    </message>
    <message>
        <source>Profiling…</source>
        <translation>正在进行性能分析…</translation>
    </message>
    <message>
        <source>A sweep needs an engine built for a range of shapes: give the input a Range min and max in the Build panel and build.</source>
        <translation>扫描需要为形状范围构建的引擎：请在“构建”面板中为输入填写范围最小值和最大值，然后构建。</translation>
    </message>
    <message>
        <source>Sweep: “%1” is not an extent between %2 and %3, the range the engine was built for.</source>
        <translation>扫描：“%1”不在引擎构建时的范围 %2 到 %3 之内。</translation>
    </message>
    <message>
        <source>Sweep: give the extents to run, e.g. 1,2,4,8.</source>
        <translation>扫描：请给出要运行的取值，例如 1,2,4,8。</translation>
    </message>
    <message>
        <source>%1 dimension %2</source>
        <translation>%1 的第 %2 维</translation>
    </message>
    <message>
        <source>%1 dimension %2 (%3)</source>
        <translation>%1 的第 %2 维（%3）</translation>
    </message>
    <message>
        <source>Sweeping %1 over %2…</source>
        <translation>正在扫描 %1：%2…</translation>
    </message>
    <message>
        <source>Sweeping…</source>
        <translation>正在扫描…</translation>
    </message>
    <message>
        <source>Cancelling the profile…</source>
        <translation>正在取消性能分析…</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Sweep of %1: %2.</source>
        <translation>%1 的扫描结果：%2。</translation>
    </message>
    <message>
        <source>Sweep finished.</source>
        <translation>扫描完成。</translation>
    </message>
    <message>
        <source>%1 runs: median %2, mean %3, p90 %4, max %5.</source>
        <translation>%1 次运行：中位数 %2，平均值 %3，P90 %4，最大值 %5。</translation>
    </message>
    <message>
        <source>Profile finished: median %1 per run.</source>
        <translation>性能分析完成：每次运行中位数 %1。</translation>
    </message>
    <message>
        <source>Profile cancelled.</source>
        <translation>性能分析已取消。</translation>
    </message>
    <message>
        <source>Profile failed: %1</source>
        <translation>性能分析失败：%1</translation>
    </message>
    <message>
        <source>Profile failed.</source>
        <translation>性能分析失败。</translation>
    </message>
    <message>
        <source>Open Profile JSON…</source>
        <translation>打开性能分析 JSON…</translation>
    </message>
    <message>
        <source>Show the per-layer times trtexec wrote with --exportProfile for this engine</source>
        <translation>显示 trtexec 以 --exportProfile 为此引擎写出的逐层时间</translation>
    </message>
</context>
<context>
    <name>kiln::workbench::SelectionSync</name>
    <message>
        <source>In the engine graph JSON</source>
        <translation>引擎图 JSON 中的字段</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Inspect, optimize and profile neural-network models.</source>
        <translation>检查、优化和分析神经网络模型。</translation>
    </message>
    <message>
        <source>Build the model once it has loaded.</source>
        <translation>模型加载完成后立即构建。</translation>
    </message>
    <message>
        <source>Profile the engine once it is built or loaded.</source>
        <translation>引擎构建或加载完成后立即进行性能分析。</translation>
    </message>
    <message>
        <source>A Caffe net&apos;s weights, when they are not beside it under the same name.</source>
        <translation>Caffe 网络的权重（当它们不在网络旁且不同名时）。</translation>
    </message>
    <message>
        <source>The ONNX model, Caffe net, Kiln plan or TensorRT engine graph (trtexec --exportLayerInfo) to open.</source>
        <translation>要打开的 ONNX 模型、Caffe 网络、Kiln 计划或 TensorRT 引擎图（trtexec --exportLayerInfo）。</translation>
    </message>
    <message>
        <source>could not open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <source>the window did not show.</source>
        <translation>窗口没有显示。</translation>
    </message>
    <message>
        <source>showed %1.</source>
        <translation>已显示 %1。</translation>
    </message>
    <message>
        <source>the build failed.</source>
        <translation>构建失败。</translation>
    </message>
    <message>
        <source>built %1.</source>
        <translation>已构建 %1。</translation>
    </message>
    <message>
        <source>profile finished.</source>
        <translation>性能分析已完成。</translation>
    </message>
    <message>
        <source>Quit once the file is shown (and built or profiled, when asked): exit status 0 when the window showed it, 1 when it could not be opened or built.</source>
        <translation>文件显示后（若有要求，则在构建或性能分析完成后）退出：窗口显示了文件时退出状态为 0，无法打开或构建时为 1。</translation>
    </message>
    <message>
        <source>kiln-workbench: --quit-after-load needs a file to open.</source>
        <translation>kiln-workbench：--quit-after-load 需要一个要打开的文件。</translation>
    </message>
</context>
</TS>
