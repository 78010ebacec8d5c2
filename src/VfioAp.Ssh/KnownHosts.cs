using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace VfioAp.Ssh
{
    public enum HostKeyStatus
    {
        /// <summary>A known_hosts line for this host holds exactly this key.</summary>
        Known,
        /// <summary>No line for this host holds a key of this type.</summary>
        Unknown,
        /// <summary>A line for this host holds a different key of the same type: possible man-in-the-middle.</summary>
        Changed,
        /// <summary>The key is marked <c>@revoked</c>.</summary>
        Revoked,
    }

    /// <summary>The outcome of checking one offered host key against a known_hosts file.</summary>
    public sealed class HostKeyVerdict
    {
        internal HostKeyVerdict(HostKeyStatus status, string hostEntry, string keyType, string fingerprint,
            IReadOnlyList<(int Line, string Fingerprint)> recorded, IReadOnlyList<string> otherTypes)
        {
            Status = status;
            HostEntry = hostEntry;
            KeyType = keyType;
            Fingerprint = fingerprint;
            RecordedKeys = recorded;
            OtherKnownTypes = otherTypes;
        }

        public HostKeyStatus Status { get; }
        /// <summary>The name as known_hosts spells it: <c>host</c>, or <c>[host]:port</c> for a port other than 22.</summary>
        public string HostEntry { get; }
        /// <summary>ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa…</summary>
        public string KeyType { get; }
        /// <summary>The offered key's <c>SHA256:…</c> fingerprint, as ssh prints it.</summary>
        public string Fingerprint { get; }
        /// <summary>For <see cref="HostKeyStatus.Changed"/>: the line numbers and fingerprints of the recorded keys of the same type.</summary>
        public IReadOnlyList<(int Line, string Fingerprint)> RecordedKeys { get; }
        /// <summary>Key types recorded for this host other than the offered one.</summary>
        public IReadOnlyList<string> OtherKnownTypes { get; }
    }

    /// <summary>
    /// OpenSSH's known_hosts file (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): plain host patterns (comma lists, <c>*</c> and
    /// <c>?</c> wildcards, <c>!</c> negation), hashed names (<c>|1|base64 salt|base64 HMAC-SHA1(salt, name)</c>),
    /// <c>[host]:port</c> for ports other than 22, and the <c>@revoked</c> marker. <c>@cert-authority</c> lines are
    /// ignored: host certificates are not negotiated.
    /// </summary>
    public sealed class KnownHosts
    {
        public KnownHosts(string path)
        {
            Path = path ?? throw new ArgumentNullException(nameof(path));
        }

        public string Path { get; }

        /// <summary><c>~/.ssh/known_hosts</c> of the current user (HOME, or the Windows profile folder).</summary>
        public static string DefaultPath()
        {
            var home = Environment.GetEnvironmentVariable("HOME");
            if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return System.IO.Path.Combine(home!, ".ssh", "known_hosts");
        }

        /// <summary>How known_hosts names a host: <c>host</c> on port 22, <c>[host]:port</c> otherwise (lowercase, as ssh does).</summary>
        public static string EntryName(string host, int port)
        {
            var h = host.ToLowerInvariant();
            return port == 22 ? h : "[" + h + "]:" + port.ToString(CultureInfo.InvariantCulture);
        }

        /// <summary><c>SHA256:</c> and the unpadded base64 of the key blob's SHA-256, as <c>ssh-keygen -l</c> prints it.</summary>
        public static string Fingerprint(byte[] keyBlob)
        {
            using var sha = SHA256.Create();
            return "SHA256:" + Convert.ToBase64String(sha.ComputeHash(keyBlob)).TrimEnd('=');
        }

        /// <summary>The key type named inside a key blob (its first SSH string).</summary>
        public static string KeyTypeOf(byte[] keyBlob)
        {
            if (keyBlob.Length < 4) return "unknown";
            int len = (keyBlob[0] << 24) | (keyBlob[1] << 16) | (keyBlob[2] << 8) | keyBlob[3];
            if (len <= 0 || len > keyBlob.Length - 4) return "unknown";
            return Encoding.ASCII.GetString(keyBlob, 4, len);
        }

        /// <summary>ED25519, ECDSA, RSA: the word ssh uses in its messages.</summary>
        public static string DisplayType(string keyType) => keyType switch
        {
            "ssh-ed25519" => "ED25519",
            "ssh-rsa" => "RSA",
            _ when keyType.StartsWith("ecdsa-", StringComparison.Ordinal) => "ECDSA",
            _ => keyType,
        };

        /// <summary>Key types recorded for the host, in file order: ssh prefers these host key algorithms so an already-known key is the one offered.</summary>
        public IReadOnlyList<string> KnownKeyTypes(string host, int port)
        {
            var name = EntryName(host, port);
            var types = new List<string>();
            foreach (var e in Entries())
                if (e.Marker is null && e.Matches(name) && !types.Contains(e.KeyType)) types.Add(e.KeyType);
            return types;
        }

        public HostKeyVerdict Check(string host, int port, byte[] keyBlob)
        {
            var name = EntryName(host, port);
            var keyType = KeyTypeOf(keyBlob);
            var fingerprint = Fingerprint(keyBlob);
            var recorded = new List<(int, string)>();
            var others = new List<string>();
            bool known = false;
            foreach (var e in Entries())
            {
                if (!e.Matches(name)) continue;
                bool sameKey = e.Blob.Length == keyBlob.Length && e.Blob.SequenceEqual(keyBlob);
                if (e.Marker == "@revoked")
                {
                    if (sameKey) return new HostKeyVerdict(HostKeyStatus.Revoked, name, keyType, fingerprint, new[] { (e.LineNo, fingerprint) }, others);
                    continue;
                }
                if (e.Marker != null) continue;
                if (sameKey) known = true;
                else if (e.KeyType == keyType) recorded.Add((e.LineNo, Fingerprint(e.Blob)));
                else if (!others.Contains(e.KeyType)) others.Add(e.KeyType);
            }
            var status = known ? HostKeyStatus.Known : recorded.Count > 0 ? HostKeyStatus.Changed : HostKeyStatus.Unknown;
            return new HostKeyVerdict(status, name, keyType, fingerprint, recorded, others);
        }

        /// <summary>
        /// Records a key for the host, as <c>StrictHostKeyChecking accept-new</c> does: hashed when the file already hashes
        /// its names (HashKnownHosts), plain otherwise. Creates the file and its folder when missing.
        /// </summary>
        public void Append(string host, int port, byte[] keyBlob)
        {
            var name = EntryName(host, port);
            bool hashed = File.Exists(Path) && File.ReadLines(Path).Any(l => l.TrimStart().StartsWith("|1|", StringComparison.Ordinal));
            string hostField = hashed ? HashName(name, NewSalt()) : name;
            var line = hostField + " " + KeyTypeOf(keyBlob) + " " + Convert.ToBase64String(keyBlob);
            var dir = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            bool needsNewline = File.Exists(Path) && EndsWithoutNewline(Path);
            File.AppendAllText(Path, (needsNewline ? "\n" : "") + line + "\n");
        }

        /// <summary><c>|1|salt|HMAC-SHA1(salt, name)</c>, both base64, as <c>ssh-keygen -H</c> writes it.</summary>
        public static string HashName(string name, byte[] salt)
        {
            using var hmac = new HMACSHA1(salt);
            return "|1|" + Convert.ToBase64String(salt) + "|" + Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(name)));
        }

        private static byte[] NewSalt()
        {
            var salt = new byte[20];
            using var rng = RandomNumberGenerator.Create();
            rng.GetBytes(salt);
            return salt;
        }

        private static bool EndsWithoutNewline(string path)
        {
            using var f = File.OpenRead(path);
            if (f.Length == 0) return false;
            f.Seek(-1, SeekOrigin.End);
            return f.ReadByte() != '\n';
        }

        private IEnumerable<Entry> Entries()
        {
            if (!File.Exists(Path)) yield break;
            int lineNo = 0;
            foreach (var raw in File.ReadLines(Path))
            {
                lineNo++;
                var e = Entry.Parse(raw, lineNo);
                if (e != null) yield return e;
            }
        }

        private sealed class Entry
        {
            public string? Marker;
            public string Hosts = "";
            public string KeyType = "";
            public byte[] Blob = Array.Empty<byte>();
            public int LineNo;

            public static Entry? Parse(string raw, int lineNo)
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] == '#') return null;
                var fields = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                int i = 0;
                string? marker = null;
                if (fields[0].StartsWith("@", StringComparison.Ordinal)) marker = fields[i++];
                if (fields.Length < i + 3) return null;
                byte[] blob;
                try { blob = Convert.FromBase64String(fields[i + 2]); }
                catch (FormatException) { return null; }
                // A line whose type field disagrees with its blob is ignored, as ssh does.
                if (KeyTypeOf(blob) != fields[i + 1]) return null;
                return new Entry { Marker = marker, Hosts = fields[i], KeyType = fields[i + 1], Blob = blob, LineNo = lineNo };
            }

            public bool Matches(string name)
            {
                if (Hosts.StartsWith("|1|", StringComparison.Ordinal))
                {
                    var parts = Hosts.Split('|');
                    if (parts.Length != 4) return false;
                    try
                    {
                        var salt = Convert.FromBase64String(parts[2]);
                        return HashName(name, salt) == Hosts;
                    }
                    catch (FormatException) { return false; }
                }
                // OpenSSH match_hostname: any negated pattern that matches rejects the line; else any positive match accepts it.
                bool positive = false;
                foreach (var p in Hosts.Split(','))
                {
                    if (p.Length == 0) continue;
                    bool negated = p[0] == '!';
                    var pattern = negated ? p.Substring(1) : p;
                    if (!Wildcard(name, pattern.ToLowerInvariant(), 0, 0)) continue;
                    if (negated) return false;
                    positive = true;
                }
                return positive;
            }

            private static bool Wildcard(string s, string p, int si, int pi)
            {
                while (pi < p.Length)
                {
                    char c = p[pi];
                    if (c == '*')
                    {
                        for (int k = si; k <= s.Length; k++)
                            if (Wildcard(s, p, k, pi + 1)) return true;
                        return false;
                    }
                    if (si >= s.Length) return false;
                    if (c != '?' && c != s[si]) return false;
                    si++;
                    pi++;
                }
                return si == s.Length;
            }
        }
    }
}
