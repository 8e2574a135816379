using System.IO.Compression;
using System.Text.Json;
using Platform.Learning.Networks;
using Platform.Learning.Replay;
using Platform.Learning.Training;

namespace Platform.Learning.Agents;

/// <summary>Where an interrupted training run continues: the state at the end of its last completed epoch.</summary>
/// <param name="ExplorationState">The ε-greedy generator's state (<see cref="SeededRandom.State"/>).</param>
public sealed record TrainingResumeState(int CompletedEpochs, long Steps, int BestEpoch, double BestScore, int SinceBest, IReadOnlyList<EpochRecord> Epochs, IReadOnlyList<ulong> ExplorationState);

/// <summary>
/// An epoch-boundary checkpoint of a training run in one file, written atomically after every epoch: state.json
/// (counters, ε step, best-epoch bookkeeping, epoch records, exploration generator), the policy, target and best
/// networks' weights, the learner (Adam's moments and step counts, the batch sampler's generator, update and sync
/// counters) and the replay buffer. That is everything the next epoch depends on, so a run that dies and resumes
/// ends with the same weights and metrics, bit for bit, as one that never stopped. (Torch's own generator is drawn
/// from only when networks are created, under a lock with a fixed seed; training draws nothing from it.)
/// </summary>
public sealed class TrainingCheckpoint(string path)
{
    private const string LearnerEntry = "learner.bin";
    private const string ReplayEntry = "replay.bin";

    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public string Path { get; } = path;

    public bool Exists => File.Exists(Path);

    public void Save(TrainingResumeState state, DqnLearner learner, QNetwork best, ReplayBuffer replay)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(replay);
        var (policy, target) = (learner.Policy, learner.Target);
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
            using (var entry = zip.CreateEntry(LearnerEntry, CompressionLevel.Fastest).Open())
            using (var writer = new BinaryWriter(entry))
            {
                learner.SaveState(writer);
            }

            using (var entry = zip.CreateEntry(ReplayEntry, CompressionLevel.Fastest).Open())
            using (var writer = new BinaryWriter(entry))
            {
                replay.Save(writer);
            }
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>Restores the learner (weights and optimiser), the best network and the replay; returns the state, or null when there is no checkpoint.</summary>
    public TrainingResumeState? TryRestore(DqnLearner learner, QNetwork best, ReplayBuffer replay)
    {
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(replay);
        var (policy, target) = (learner.Policy, learner.Target);
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
        using (var reader = new BinaryReader(Open(zip, LearnerEntry)))
        {
            learner.RestoreState(reader);
        }

        using (var reader = new BinaryReader(Open(zip, ReplayEntry)))
        {
            replay.Restore(reader);
        }

        if (stored.State.ExplorationState is not { Count: 4 })
        {
            throw new InvalidDataException($"{Path}: state.json has no exploration generator state (written by an older build; delete it to train from scratch).");
        }

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

    private Stream Open(ZipArchive zip, string name) =>
        zip.GetEntry(name)?.Open() ?? throw new InvalidDataException($"{Path}: no {name} (written by an older build; delete it to train from scratch).");

    private void Read(ZipArchive zip, string name, QNetwork network)
    {
        using var entry = Open(zip, name);
        using var buffer = new MemoryStream();
        entry.CopyTo(buffer);
        buffer.Position = 0;
        network.load(buffer);
    }

    private sealed record Stored(TrainingResumeState State, string NetworkSpec);
}
