"""Edit 360° video through neural layered spherical atlases, on a CPU laptop or a GPU.

Modules:

- `npr_lib.evaluate`: Render a fitted model, measure it against the clip, export each layer's atlas as an editable texture, and write the whole run — metrics, videos, atlases, curves — to one folder.
- `npr_lib.losses`: What the layered atlas is trained to do: reproduce the frames, keep mappings rigid on the sphere, follow the masks and the flow, and keep the lighting residual honest.
- `npr_lib.model`: A background sphere and K foreground layers: per layer a mapping to its atlas sphere, an appearance field on that sphere, a lighting residual, a backward mapping; alpha composites them into the frame.
- `npr_lib.train`: Fit a layered atlas to a clip: batched sampling on a fixed grid, one optimiser step per batch, a time or step budget, atomic checkpoints and exact resumption."""

__version__ = "0.1.0"
