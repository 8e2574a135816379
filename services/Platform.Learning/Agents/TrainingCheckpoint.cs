using System.IO.Compression;
using System.Text.Json;
using Platform.Learning.Networks;

namespace Platform.Learning.Agents;

/// <summary>Where an interrupted training run continues: the state at the end of its last completed epoch.</summary>
public sealed record TrainingResumeState(int CompletedEpochs, long Steps, int BestEpoch, double BestScore, int SinceBest, IReadOnlyList<EpochRecord> Epochs);

/// <summary>
/// An epoch-boundary checkpoint of a training run in one file (a zip of state.json and the policy, target and best
/// networks' weights), written atomically after every epoch. A run that dies resumes at the next epoch with the same
/// weights, counters and best-so-far. Not kept: the replay buffer (refilled during the next epoch) and Adam's moment
/// estimates, so a resumed run is close to, not bit-identical with, an uninterrupted one.
/// </summary>
public sealed class TrainingCheckpoint(string path)
{
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public string Path { get; } = path;

    public bool Exists => File.Exists(Path);

    public void Save(TrainingResumeState state, QNetwork policy, QNetwork target, QNetwork best)
    {
        ArgumentNullException.ThrowIfNull(state);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        var temporary = Path + ".tmp";
        using (var file = File.Create(temporary))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            using (var entry = zip.CreateEntry("state.json").Open())
            {
                JsonSerializer.Serialize(entry, new Stored(state, JsonSerializer.Serialize(policy.Spec)), Json);
            }

            Write(zip, "policy.bin", policy);
            Write(zip, "target.bin", target);
            Write(zip, "best.bin", best);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>Loads the weights into the given networks and returns the state; null when there is no checkpoint.</summary>
    public TrainingResumeState? TryRestore(QNetwork policy, QNetwork target, QNetwork best)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!Exists)
        {
            return null;
        }

        using var zip = ZipFile.OpenRead(Path);
        Stored stored;
        using (var entry = zip.GetEntry("state.json")?.Open() ?? throw new InvalidDataException($"{Path}: no state.json"))
        {
            stored = JsonSerializer.Deserialize<Stored>(entry, Json) ?? throw new InvalidDataException($"{Path}: empty state.json");
        }

        if (stored.NetworkSpec != JsonSerializer.Serialize(policy.Spec))
        {
            throw new InvalidDataException($"{Path} was written for a different network ({stored.NetworkSpec}).");
        }

        Read(zip, "policy.bin", policy);
        Read(zip, "target.bin", target);
        Read(zip, "best.bin", best);
        return stored.State;
    }

    public void Delete() => File.Delete(Path);

    private static void Write(ZipArchive zip, string name, QNetwork network)
    {
        // TorchSharp closes the stream it saves to; ToArray still works on a closed MemoryStream.
        var buffer = new MemoryStream();
        network.save(buffer);
        using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        entry.Write(buffer.ToArray());
    }

    private void Read(ZipArchive zip, string name, QNetwork network)
    {
        using var entry = zip.GetEntry(name)?.Open() ?? throw new InvalidDataException($"{Path}: no {name}");
        using var buffer = new MemoryStream();
        entry.CopyTo(buffer);
        buffer.Position = 0;
        network.load(buffer);
    }

    private sealed record Stored(TrainingResumeState State, string NetworkSpec);
}
