using System.Reflection;
using System.Runtime.InteropServices;

namespace Platform.Kafka;

/// <summary>
/// The few librdkafka C functions Confluent.Kafka does not wrap (the mock cluster). They must bind to the very file
/// Confluent.Kafka loaded: on Debian 12 its default <c>librdkafka.so</c> lacks <c>libsasl2.so.3</c> and Confluent falls
/// back to <c>centos8-librdkafka.so</c>, so a plain name lookup could load a second, unloadable copy.
/// </summary>
internal static partial class LibrdkafkaNative
{
    private const string Library = "platform-librdkafka";

    static LibrdkafkaNative() => NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaNative).Assembly, Resolve);

    /// <summary>Loads Confluent.Kafka's native library (if not yet loaded) and returns the path of the file it mapped.</summary>
    internal static string LoadedLibraryPath
    {
        get
        {
            // Reading the version forces Confluent.Kafka to load librdkafka with its own fallback order.
            _ = Confluent.Kafka.Library.Version;
            return FindMappedLibrdkafka() ?? throw new DllNotFoundException("Confluent.Kafka reported librdkafka loaded, but no librdkafka file is mapped into this process.");
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == Library ? NativeLibrary.Load(LoadedLibraryPath) : IntPtr.Zero;

    private static string? FindMappedLibrdkafka()
    {
        // /proc/self/maps names every mapped file; on other systems the loader's name lookup finds the same library.
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return OperatingSystem.IsWindows() ? "librdkafka.dll" : OperatingSystem.IsMacOS() ? "librdkafka.dylib" : null;
        }

        return File.ReadLines(maps)
            .Select(line => line.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? line[slash..] : null)
            .FirstOrDefault(path => path is not null && Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal));
    }

    internal const int ProducerType = 0;

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_new")]
    internal static partial IntPtr ConfNew();

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ConfSet(IntPtr conf, string name, string value, byte[] errorText, nuint errorTextSize);

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_destroy")]
    internal static partial void ConfDestroy(IntPtr conf);

    /// <summary>Takes ownership of <paramref name="conf"/> on success.</summary>
    [LibraryImport(Library, EntryPoint = "rd_kafka_new")]
    internal static partial IntPtr KafkaNew(int type, IntPtr conf, byte[] errorText, nuint errorTextSize);

    [LibraryImport(Library, EntryPoint = "rd_kafka_destroy")]
    internal static partial void KafkaDestroy(IntPtr handle);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_new")]
    internal static partial IntPtr MockClusterNew(IntPtr handle, int brokerCount);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    internal static partial void MockClusterDestroy(IntPtr cluster);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    internal static partial IntPtr MockClusterBootstraps(IntPtr cluster);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockTopicCreate(IntPtr cluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms")]
    internal static partial void MockGroupInitialRebalanceDelayMs(IntPtr cluster, int delayMs);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_set_controller_id")]
    internal static partial int MockSetControllerId(IntPtr cluster, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_err2str")]
    internal static partial IntPtr ErrorToString(int error);

    internal static string ErrorText(int error) => Marshal.PtrToStringUTF8(ErrorToString(error)) ?? $"error {error}";

    internal static string Text(byte[] buffer) => System.Text.Encoding.UTF8.GetString(buffer, 0, Math.Max(0, Array.IndexOf(buffer, (byte)0)));
}
