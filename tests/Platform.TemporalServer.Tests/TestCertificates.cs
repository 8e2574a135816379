using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Platform.TemporalServer.Tests;

/// <summary>A throwaway CA with a server certificate (localhost, 127.0.0.1) and a client certificate, as PEM files.</summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly X509Certificate2 _ca;

    private TestCertificates(X509Certificate2 ca, string directory)
    {
        _ca = ca;
        CaPath = Path.Combine(directory, "ca.pem");
        ServerCertificatePath = Path.Combine(directory, "server.pem");
        ServerKeyPath = Path.Combine(directory, "server.key");
        ClientCertificatePath = Path.Combine(directory, "client.pem");
        ClientKeyPath = Path.Combine(directory, "client.key");
    }

    public string CaPath { get; }

    public string ServerCertificatePath { get; }

    public string ServerKeyPath { get; }

    public string ClientCertificatePath { get; }

    public string ClientKeyPath { get; }

    public static TestCertificates Create(string directory)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Platform test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        var certificates = new TestCertificates(caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1)), directory);
        File.WriteAllText(certificates.CaPath, certificates._ca.ExportCertificatePem());
        certificates.Issue("CN=localhost", serverAuth: true, certificates.ServerCertificatePath, certificates.ServerKeyPath, now);
        certificates.Issue("CN=platform-worker", serverAuth: false, certificates.ClientCertificatePath, certificates.ClientKeyPath, now);
        return certificates;
    }

    public void Dispose() => _ca.Dispose();

    private void Issue(string subject, bool serverAuth, string certificatePath, string keyPath, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        using var certificate = request.Create(_ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(12));
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }
}
