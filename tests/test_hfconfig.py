"""A Hugging Face model folder is explained from its config.json: the model transformers
builds from that config, checked against the same model's real forward and PyTorch's own
parameter count, and against DESIGN.md's ResNet-50 facts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from test_trace import real_leaf_shapes, traced_leaf_shapes

from resnet_explain import explain
from resnet_explain.errors import BadInputSize, CannotTrace, ModelNotFound, UserError

transformers = pytest.importorskip("transformers")

ROOT = Path(__file__).resolve().parents[1]


def _folder(tmp_path: Path, name: str, **config: object) -> Path:
    """A folder as the Hub gives it: config.json (written by transformers) beside weights
    that are not a model's (the tool must not open them)."""
    folder = tmp_path / name
    transformers.ResNetConfig(**config).save_pretrained(folder)
    (folder / "model.safetensors").write_bytes(b"not read")
    return folder


def test_a_resnet50_folder_has_the_papers_numbers(tmp_path):
    folder = _folder(tmp_path, "resnet-50", architectures=["ResNetForImageClassification"],
                     num_labels=1000)
    arch = explain(folder)
    # DESIGN.md's torchvision resnet50 row: the same v1.5 network under other names.
    assert (arch.total_params, arch.weighted_layers, arch.shortcut_projections,
            arch.plain_depth) == (25_557_032, 54, 4, 50)
    assert arch.depth_formula == "50 = 1 + 3×(3+4+6+3) + 1"
    assert round(arch.macs / 1e9, 3) == 4.089
    assert arch.model == "resnet-50 (ResNetForImageClassification)"
    assert arch.input_shape == (1, 3, 224, 224) and arch.output_shape == (1, 1000)
    # transformers' ResNet-50, aligned with the zoo's by structure, is the zoo's.
    assert arch.notes[-1] == (f"nearest reference: resnet50 — it matches (resnet-explain "
                              f"compare {folder} resnet50)")
    assert arch.notes[-2].startswith(
        f"Built from {folder}/config.json with transformers {transformers.__version__} "
        "(ResNetForImageClassification, model_type 'resnet') on the meta device: no weights "
        "are made, the folder's are not read")
    assert arch.engine == "meta"
    # Its stages keep transformers' module names.
    assert arch.block("conv3_1").name == "resnet.encoder.stages.1.layers.0"


@pytest.mark.parametrize("config", [
    {"layer_type": "basic", "depths": [2, 2, 2, 2], "hidden_sizes": [64, 128, 256, 512],
     "architectures": ["ResNetForImageClassification"], "num_labels": 10},
    {"depths": [1, 1, 2, 1], "hidden_sizes": [32, 64, 128, 256], "embedding_size": 16,
     "num_channels": 1},
])
def test_every_shape_and_count_is_the_built_models(tmp_path, config):
    folder = _folder(tmp_path, "net", **config)
    arch = explain(folder / "config.json")  # the file names its folder too
    model_class = getattr(transformers, (config.get("architectures") or ["ResNetModel"])[0])
    model = model_class(transformers.ResNetConfig.from_pretrained(folder))
    assert arch.total_params == sum(p.numel() for p in model.parameters())
    size = (1, config.get("num_channels", 3), 224, 224)
    assert arch.input_shape == size
    assert traced_leaf_shapes(arch) == real_leaf_shapes(model, torch.zeros(size))


def test_a_feature_extractor_config_counts_no_classifier(tmp_path):
    arch = explain(_folder(tmp_path, "resnet-18", layer_type="basic", depths=[2, 2, 2, 2],
                           hidden_sizes=[64, 128, 256, 512]))
    assert arch.depth_formula == "17 = 1 + 2×(2+2+2+2)"  # 18 less the fc it has not
    assert arch.output_shapes == [(1, 512, 7, 7), (1, 512, 1, 1)]


def test_a_model_whose_build_needs_a_kernel_meta_lacks_is_built_on_the_cpu(tmp_path,
                                                                             monkeypatch):
    """torch 2.1 has no meta kernel for weight_norm, which wav2vec2 calls while it is built;
    such a model is built on the CPU instead. Any other failure is the config's."""
    folder = _folder(tmp_path, "resnet-18", layer_type="basic", depths=[2, 2, 2, 2],
                     hidden_sizes=[64, 128, 256, 512])
    real_init, built_on = transformers.ResNetModel.__init__, []

    def init(self, config, words="Could not run 'aten::_weight_norm_interface' with "
                                 "arguments from the 'Meta' backend"):
        built_on.append(torch.empty(0).device.type)
        if built_on[-1] == "meta":
            raise NotImplementedError(words)
        real_init(self, config)

    monkeypatch.setattr(transformers.ResNetModel, "__init__", init)
    assert explain(folder).depth_formula == "17 = 1 + 2×(2+2+2+2)"
    assert built_on == ["meta", "cpu"]
    monkeypatch.setattr(transformers.ResNetModel.__init__, "__defaults__", ("not that",))
    with pytest.raises(UserError, match=r"NotImplementedError: not that\. Check the config"):
        explain(folder)


def test_what_cannot_be_built_is_said(tmp_path, monkeypatch):
    folder = _folder(tmp_path, "resnet", num_labels=3)
    with pytest.raises(UserError, match=r"^a shortcut option applies to zoo models only: "
                                        r"the folder's config decides it"):
        explain(str(folder), shortcut="A")
    unknown = tmp_path / "unknown"
    unknown.mkdir()
    (unknown / "config.json").write_text(json.dumps({"model_type": "no-such-model"}))
    with pytest.raises(ModelNotFound, match=r"cannot read .*config\.json \(model_type "
                                            r"'no-such-model'"):
        explain(str(unknown))
    remote = tmp_path / "remote"
    remote.mkdir()
    (remote / "config.json").write_text(json.dumps(
        {"model_type": "mine", "auto_map": {"AutoModel": "net.MyModel"}}))
    with pytest.raises(ModelNotFound, match=r"whose code is in the folder itself .*Give that "
                                            r"code as .*remote/file\.py:callable"):
        explain(str(remote))
    wrong = _folder(tmp_path, "wrong", depths=[1, 1, 1, 1])
    config = json.loads((wrong / "config.json").read_text())
    (wrong / "config.json").write_text(json.dumps({**config, "hidden_sizes": "abc"}))
    with pytest.raises(UserError, match=r"config\.json"):  # transformers' own words after
        explain(str(wrong))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text("{not json")
    with pytest.raises(ModelNotFound, match=r"cannot be read as a model config"):
        explain(str(tmp_path / "bad"))
    # transformers 5 turns its PyTorch models off under torch < 2.6 (is_torch_available()).
    monkeypatch.setattr(transformers.utils, "is_torch_available", lambda: False)
    with pytest.raises(ModelNotFound, match=re.escape(
            f"model_type 'resnet'), and transformers {transformers.__version__} does not "
            f"build models with this torch ({torch.__version__}): it needs a newer one. "
            "Upgrade torch")):
        explain(str(folder))
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "transformers", None)  # not installed
    with pytest.raises(ModelNotFound, match=r"is a Hugging Face model folder \(model_type "
                                            r"'resnet'\); building it from its config\.json "
                                            r"needs transformers\. pip install transformers"):
        explain(str(folder))


def test_the_folder_is_left_as_it_was_and_the_command_line_reads_it(tmp_path):
    folder = _folder(tmp_path, "resnet-50", architectures=["ResNetForImageClassification"])
    before = {path.name: (path.stat().st_mtime_ns, path.read_bytes())
              for path in folder.iterdir()}
    done = subprocess.run([sys.executable, "-m", "resnet_explain", "summary", str(folder),
                           "--format", "json"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["model"] == "resnet-50 (ResNetForImageClassification)"
    assert data["plain_depth"] == 50 and data["output_shape"] == [1, 2]
    assert {path.name: (path.stat().st_mtime_ns, path.read_bytes())
            for path in folder.iterdir()} == before


def test_a_text_model_is_refused_and_an_audio_model_reads_samples(tmp_path):
    text = tmp_path / "bert"
    transformers.BertConfig(num_hidden_layers=1, hidden_size=32, num_attention_heads=2,
                            intermediate_size=64,
                            architectures=["BertForSequenceClassification"]).save_pretrained(text)
    with pytest.raises(CannotTrace, match=r"is a Hugging Face model whose main input is token "
                                          r"ids \(BertForSequenceClassification, model_type "
                                          r"'bert'\), not the images or signals"):
        explain(text)
    # wav2vec2 reads raw audio, (N, L), and adds the channel axis itself: a 1-D model with
    # no default size, read as N×L (channelaxis.py).
    audio = tmp_path / "wav2vec2"
    config = transformers.Wav2Vec2Config(
        num_hidden_layers=1, hidden_size=32, num_attention_heads=2, intermediate_size=64,
        conv_dim=(16, 16, 16), conv_stride=(5, 2, 2), conv_kernel=(10, 3, 3),
        num_conv_pos_embeddings=16, architectures=["Wav2Vec2Model"])
    config.save_pretrained(audio)
    with pytest.raises(BadInputSize, match=r"is a 1-D model .* no default size"):
        explain(audio)
    arch = explain(audio, (2, 16000))
    model = transformers.Wav2Vec2Model(config).eval()
    with torch.no_grad():
        real = model(torch.zeros(2, 16000))
    assert arch.channel_axis_added and arch.input_shape == (2, 16000)
    assert arch.output_shapes == [tuple(t.shape) for t in real.to_tuple()]
    # 799 = ⌊(⌊(⌊(16000 − 10)/5⌋ + 1 − 3)/2⌋ + 1 − 3)/2⌋ + 1, frame by frame.
    assert arch.output_shape == (2, 799, 32)
    assert arch.total_params == sum(p.numel() for p in model.parameters())



def test_transformers_resnet50_is_the_zoos_column_in_table_1(tmp_path):
    from resnet_explain.paper.table1 import build as table1

    folder = _folder(tmp_path, "resnet-50", architectures=["ResNetForImageClassification"],
                     num_labels=1000)
    table = table1([(explain(folder), None), (explain("resnet50"), "resnet50")])
    assert [column.layout for column in table.columns] == ["v1.5", "v1.5"]
    rows = {row.name: row for row in table.rows}
    assert all(row.shared for row in table.rows if row.kind == "stage")
    assert rows["params"].shared and rows["depth"].shared
    # Only the zoo's column adds the paper's own figure under the traced FLOPs.
    assert rows["FLOPs"].cells[0] == rows["FLOPs"].cells[1][:1]


def test_a_timm_folder_without_timm_says_what_it_needs(tmp_path, monkeypatch):
    # timm's Hub folders (timm/resnet50.a1_in1k) name the architecture, not a model_type.
    # Built with timm itself in tests/test_thirdparty.py; here, where timm is missing.
    folder = tmp_path / "resnet50.a1_in1k"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(
        {"architecture": "resnet50", "num_classes": 1000,
         "pretrained_cfg": {"input_size": [3, 224, 224]}}))
    bad = tmp_path / "bad-args"
    bad.mkdir()
    (bad / "config.json").write_text(json.dumps({"architecture": "resnet50",
                                                 "model_args": ["drop_rate", 0.2]}))
    with pytest.raises(ModelNotFound, match=r"has model_args that are not a mapping"):
        explain(bad)
    monkeypatch.setitem(sys.modules, "timm", None)
    with pytest.raises(ModelNotFound, match=r"is a timm model folder \(resnet50\); building "
                                            r"it from its config\.json needs timm\. pip install "
                                            r"timm"):
        explain(folder)


def _cache(tmp_path: Path, hub_id: str, config: transformers.PretrainedConfig) -> Path:
    """A Hugging Face cache holding ``hub_id``'s config, laid out as huggingface_hub lays
    out what it downloads: refs/main names the snapshot folder."""
    cache = tmp_path / "hub"
    repo = cache / f"models--{hub_id.replace('/', '--')}"
    config.save_pretrained(repo / "snapshots" / "0123abcd")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    return cache


def test_a_hub_id_is_the_folder_the_cache_holds_and_nothing_is_downloaded(tmp_path,
                                                                          monkeypatch):
    import huggingface_hub.constants

    cache = _cache(tmp_path, "acme/resnet-50", transformers.ResNetConfig(
        architectures=["ResNetForImageClassification"], num_labels=1000))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.chdir(tmp_path)
    arch = explain("acme/resnet-50")
    assert arch.model == "acme/resnet-50 (ResNetForImageClassification)"
    assert (arch.total_params, arch.plain_depth) == (25_557_032, 50)
    # Not in the cache: said, with how to get it; the tool does not download it.
    with pytest.raises(ModelNotFound) as caught:
        explain("acme/resnet-101")
    assert caught.value.message(cli=True) == (
        "no such file or folder: acme/resnet-101, nor a Hugging Face model of that name in "
        "the local cache. Download it first (huggingface-cli download acme/resnet-101): the "
        "tool downloads nothing. Or check the path")
    # A folder of that name in the current directory is the folder, not the cache's.
    _folder(tmp_path / "acme", "resnet-50", layer_type="basic", depths=[1, 1, 1, 1],
            hidden_sizes=[8, 16, 32, 64], embedding_size=8)
    assert explain("acme/resnet-50").model == "resnet-50 (ResNetModel)"


def test_the_command_line_finds_a_hub_id_in_the_cache(tmp_path):
    cache = _cache(tmp_path, "acme/resnet-18", transformers.ResNetConfig(
        layer_type="basic", depths=[2, 2, 2, 2], hidden_sizes=[64, 128, 256, 512],
        architectures=["ResNetForImageClassification"], num_labels=1000))
    done = subprocess.run([sys.executable, "-m", "resnet_explain", "summary", "acme/resnet-18",
                           "--format", "json"], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "", "HF_HUB_CACHE": str(cache),
                               "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    # DESIGN.md's resnet18 row.
    assert (data["total_params"], data["depth_formula"]) == (11_689_512,
                                                             "18 = 1 + 2×(2+2+2+2) + 1")
