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
onnx.save_model(m, os.path.join(here, "external", "ext_op13.onnx"), save_as_external_data=True,
                all_tensors_to_one_file=True, location="ext_op13.data", size_threshold=0)
