# %% [markdown]
# # thematic from a notebook
# Code the shipped corpus against the shipped codebook and read the tables as pandas
# DataFrames. Install the package first: `pip install ./python` (from the repository root).

# %%
import thematic

result = thematic.analyze("corpus")
result.frequencies[["code", "label", "passages", "documents", "share"]]

# %% [markdown]
# The strongest co-occurrences, by Jaccard similarity:

# %%
result.cooccurrence.sort_values("jaccard", ascending=False).head(10)

# %% [markdown]
# Themes by language, and the excerpts behind one theme:

# %%
by_lang = thematic.analyze("corpus", roll_up=True, by=["lang"]).crosstabs["lang"]
by_lang.pivot(index="code", columns="lang", values="passages")

# %%
result.excerpts[result.excerpts["code"].str.startswith("return_policy")].head()

# %% [markdown]
# Coding your own texts, with every hit's pattern and character offsets:

# %%
coder = thematic.Coder()
for seg in coder.code("Государство вернёт учёных, уехавших за рубеж, через программу грантов."):
    print(seg["code"], [(h["pattern"], seg["text"][h["start"] - seg["start"]:h["end"] - seg["start"]]) for h in seg["hits"]])
