#!/usr/bin/python3
"""Fixtures for issue 16's formats (run with Debian's python3-onnx):

- dynamic_hw_op13.onnx: a CNN whose input is [1,3,'h','w'];
- external/ext_op13.onnx + ext_op13.data: a CNN saved by onnx with
  save_as_external_data (every tensor in one data file), and
  external/inline_op13.onnx: the same model with its weights inline.
"""
import os
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

here = os.path.join(os.path.dirname(__file__), "..", "testdata", "models")
rng = np.random.default_rng(16)


def w(name, *shape, scale=0.5):
    return numpy_helper.from_array((rng.uniform(-scale, scale, shape)).astype(np.float32), name)


def cnn(h, w_):
    inits = [w("c1.w", 8, 3, 3, 3), w("c1.b", 8, scale=0.1), w("bn.s", 8), w("bn.b", 8, scale=0.1),
             numpy_helper.from_array(np.zeros(8, np.float32), "bn.m"), numpy_helper.from_array(np.ones(8, np.float32), "bn.v"),
             w("c2.w", 16, 8, 3, 3), w("fc.w", 5, 16), w("fc.b", 5, scale=0.1)]
    nodes = [
        helper.make_node("Conv", ["x", "c1.w", "c1.b"], ["a"], name="/conv1/Conv", pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("BatchNormalization", ["a", "bn.s", "bn.b", "bn.m", "bn.v"], ["n"], name="/bn1/BatchNormalization"),
        helper.make_node("Relu", ["n"], ["r"], name="/relu/Relu"),
        helper.make_node("Conv", ["r", "c2.w"], ["b"], name="/conv2/Conv", pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["b"], ["br"], name="/relu2/Relu"),
        helper.make_node("GlobalAveragePool", ["br"], ["p"], name="/pool/GlobalAveragePool"),
        helper.make_node("Flatten", ["p"], ["f"], name="/Flatten", axis=1),
        helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["scores"], name="/fc/Gemm", transB=1),
    ]
    g = helper.make_graph(nodes, "fmt", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, h, w_])],
                          [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 5])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="camviz-fixture")
    onnx.checker.check_model(m)
    return m


rng = np.random.default_rng(16)
onnx.save(cnn("h", "w"), os.path.join(here, "dynamic_hw_op13.onnx"))
rng = np.random.default_rng(17)
m = cnn(32, 32)
onnx.save(m, os.path.join(here, "external", "inline_op13.onnx"))
data = os.path.join(here, "external", "ext_op13.data")
if os.path.exists(data):
    os.remove(data)  # onnx appends to an existing data file
onnx.save_model(m, os.path.join(here, "external", "ext_op13.onnx"), save_as_external_data=True,
                all_tensors_to_one_file=True, location="ext_op13.data", size_threshold=0)


# fp16_op13.onnx: float16 input, weights and scores as onnxconverter's
# float16 conversion leaves them (initializers in raw_data, a Constant in
# int32_data); fp16_twin_op13.onnx: the float32 model of the same values.
# qdq_op13.onnx: DequantizeLinear of int8 per-channel conv weights (zero
# points in int32_data), an int32 bias, a uint8 fc weight, and Q->DQ on
# the input; qdq_twin_op13.onnx: the float32 model of the dequantized
# weights without the input's Q->DQ (the Go test feeds it the
# fake-quantised input).
def small(dtype, qdq=False):
    rng = np.random.default_rng(21)
    f = TensorProto.FLOAT16 if dtype == np.float16 else TensorProto.FLOAT
    cw = rng.uniform(-0.5, 0.5, (4, 3, 3, 3)).astype(np.float16).astype(dtype)
    cb = rng.uniform(-0.1, 0.1, 4).astype(np.float16).astype(dtype)
    fw = rng.uniform(-0.5, 0.5, (5, 4)).astype(np.float16).astype(dtype)
    fb = rng.uniform(-0.1, 0.1, 5).astype(np.float16).astype(dtype)
    half = helper.make_tensor("", f, [], [0.5])  # fp16: int32_data
    inits = [numpy_helper.from_array(cw, "c.w"), numpy_helper.from_array(cb, "c.b"),
             numpy_helper.from_array(fw, "fc.w"), numpy_helper.from_array(fb, "fc.b")]
    nodes = [
        helper.make_node("Conv", ["x", "c.w", "c.b"], ["a"], name="/conv/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["a"], ["r"], name="/relu/Relu"),
        helper.make_node("Constant", [], ["k"], name="/Constant", value=half),
        helper.make_node("Mul", ["r", "k"], ["m"], name="/Mul"),
        helper.make_node("GlobalAveragePool", ["m"], ["p"], name="/pool/GlobalAveragePool"),
        helper.make_node("Flatten", ["p"], ["fl"], name="/Flatten", axis=1),
        helper.make_node("Gemm", ["fl", "fc.w", "fc.b"], ["scores"], name="/fc/Gemm", transB=1),
    ]
    g = helper.make_graph(nodes, "fp16", [helper.make_tensor_value_info("x", f, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("scores", f, [1, 5])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="camviz-fixture")
    onnx.checker.check_model(m)
    return m


onnx.save(small(np.float16), os.path.join(here, "fp16_op13.onnx"))
onnx.save(small(np.float32), os.path.join(here, "fp16_twin_op13.onnx"))


def qdq(twin):
    rng = np.random.default_rng(23)
    wq = rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)
    ws = np.array([0.004, 0.002, 0.003, 0.005], np.float32)
    xs = np.float32(1 / 64)
    bq = np.array([100, -250, 9, 1500], np.int32)
    fq = rng.integers(0, 256, (4, 5)).astype(np.uint8)  # MatMul weight [in, out]
    fs, fz = np.float32(0.02), np.uint8(120)
    fb = rng.uniform(-0.1, 0.1, 5).astype(np.float32)
    out = ["scores"]
    if twin:
        inits = [numpy_helper.from_array(wq.astype(np.float32) * ws[:, None, None, None], "w"),
                 numpy_helper.from_array((bq * (xs * ws)).astype(np.float32), "b"),
                 numpy_helper.from_array((fq.astype(np.float32) - fz) * fs, "fw"), numpy_helper.from_array(fb, "fb")]
        nodes = [helper.make_node("Conv", ["x", "w", "b"], ["a"], name="/conv/Conv", pads=[1, 1, 1, 1])]
    else:
        inits = [numpy_helper.from_array(wq, "wq"), numpy_helper.from_array(ws, "ws"),
                 helper.make_tensor("wz", TensorProto.INT8, [4], [0, 0, 0, 0]),  # int32_data
                 numpy_helper.from_array(bq, "bq"), numpy_helper.from_array(xs * ws, "bs"),
                 numpy_helper.from_array(np.array(xs), "xs"), helper.make_tensor("xz", TensorProto.UINT8, [], [128]),
                 numpy_helper.from_array(fq, "fq"), numpy_helper.from_array(np.array(fs), "fs"),
                 numpy_helper.from_array(np.array(fz), "fz"), numpy_helper.from_array(fb, "fb")]
        nodes = [
            helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="/x/QuantizeLinear"),
            helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"], name="/x/DequantizeLinear"),
            helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], name="/conv/w/DequantizeLinear", axis=0),
            helper.make_node("DequantizeLinear", ["bq", "bs"], ["b"], name="/conv/b/DequantizeLinear", axis=0),
            helper.make_node("DequantizeLinear", ["fq", "fs", "fz"], ["fw"], name="/fc/w/DequantizeLinear"),
            helper.make_node("Conv", ["xd", "w", "b"], ["a"], name="/conv/Conv", pads=[1, 1, 1, 1]),
        ]
    nodes += [
        helper.make_node("Relu", ["a"], ["r"], name="/relu/Relu"),
        helper.make_node("GlobalAveragePool", ["r"], ["p"], name="/pool/GlobalAveragePool"),
        helper.make_node("Flatten", ["p"], ["fl"], name="/Flatten", axis=1),
        helper.make_node("MatMul", ["fl", "fw"], ["mm"], name="/fc/MatMul"),
        helper.make_node("Add", ["mm", "fb"], out, name="/fc/Add"),
    ]
    g = helper.make_graph(nodes, "qdq", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 5])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="camviz-fixture")
    onnx.checker.check_model(m)
    return m


onnx.save(qdq(False), os.path.join(here, "qdq_op13.onnx"))
onnx.save(qdq(True), os.path.join(here, "qdq_twin_op13.onnx"))
