"""Edit 360° video through neural layered spherical atlases, on a CPU laptop or a GPU.

Modules:

- `npr_lib.atlas_codec`: A fitted layered atlas written as one self-describing file — each tensor quantised and range-coded with `constriction` — measured like a codec (bytes against the quality of the frames it renders again), and edited after decoding, which a bitstream cannot be.
- `npr_lib.edit`: Paint once on a layer's sphere — a stamp, text, a painted atlas, a drawing over one frame, a recolour — and every frame of the 360° video shows it, moving with the camera and the objects.
- `npr_lib.editor`: Put a picture or a line of text on a layer's atlas sphere, watch it in a frame and through a perspective view while you move it, then render the whole clip and export it — ipywidgets, in the notebook.
- `npr_lib.evaluate`: Render a fitted model, measure it against the clip, export each layer's atlas as an editable texture, and write the whole run — metrics, videos, atlases, curves — to one folder.
- `npr_lib.losses`: What the layered atlas is trained to do: reproduce the frames, keep mappings rigid on the sphere, follow the masks and the flow, and keep the lighting residual honest.
- `npr_lib.model`: A background sphere and K foreground layers: per layer a mapping to its atlas sphere, an appearance field on that sphere, a lighting residual, a backward mapping; alpha composites them into the frame.
- `npr_lib.train`: Fit a layered atlas to a clip: batched sampling on a fixed grid, one optimiser step per batch, a time or step budget, atomic checkpoints and exact resumption."""

__version__ = "0.1.0"

import os as _os, sys as _sys
if 'torch' not in _sys.modules and not {'GOMP_SPINCOUNT', 'OMP_WAIT_POLICY'} & set(_os.environ):
    # torch's OpenMP threads then wait ~0.2 ms, not ~5 ms, spinning after each operation, leaving the cores to the
    # fused hash-grid kernels' threads (nbs/08_encodings.ipynb, "A fused CPU lookup"); it must be set before torch loads
    _os.environ['GOMP_SPINCOUNT'] = '10000'
