using System.Buffers.Binary;
using System.Text;

namespace AmiReplicator.Infra;

/// <summary>
/// What a <c>bootstrap</c> needs from the system it runs on, read from its ELF headers (no objdump, so it runs on any OS): the
/// shared libraries it names (DT_NEEDED) and the glibc symbol versions it asks for (the GNU version-needs section). A binary
/// linked on a host with a newer glibc than Lambda's <c>provided.al2023</c> (2.34) starts fine there and fails on Lambda with
/// "GLIBC_2.3x not found": this check fails the synth instead.
/// </summary>
internal static class BootstrapCompatibility
{
    /// <summary>provided.al2023's glibc.</summary>
    public static readonly Version MaxGlibc = new(2, 34);

    /// <summary>
    /// The libraries every provided.al2023 image has: glibc's own (the loader, libc, libm, libdl, libpthread, librt, libresolv) and
    /// gcc's runtime (libgcc_s, libstdc++). Anything else (libssl, libicu, libz, ...) must be linked in or loaded lazily.
    /// </summary>
    public static readonly IReadOnlySet<string> ProvidedLibraries = new HashSet<string>(StringComparer.Ordinal)
    {
        "ld-linux-aarch64.so.1", "ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
        "libresolv.so.2", "libgcc_s.so.1", "libstdc++.so.6",
    };

    private const uint SectionDynamic = 6;
    private const uint SectionGnuVersionNeeds = 0x6ffffffe;
    private const long DynamicNeeded = 1;

    /// <summary>Throws naming the file and the cause when the binary needs what provided.al2023 lacks.</summary>
    public static void Check(string bootstrap)
    {
        var (libraries, glibcVersions) = Read(File.ReadAllBytes(bootstrap), bootstrap);
        var missing = libraries.Where(l => !ProvidedLibraries.Contains(l)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new ConfigurationException("bundling", $"{bootstrap} needs {string.Join(", ", missing)}, which Lambda's provided.al2023 "
                + "does not have: link it statically or build in the Amazon Linux 2023 container (set AMIREPL_BUNDLING=container)");
        }

        if (glibcVersions.Where(v => v > MaxGlibc).DefaultIfEmpty().Max() is { } newest)
        {
            throw new ConfigurationException("bundling", $"{bootstrap} needs GLIBC_{newest}, newer than provided.al2023's {MaxGlibc}: "
                + "this host's glibc is too new to link for Lambda; build in the Amazon Linux 2023 container (set AMIREPL_BUNDLING=container)");
        }
    }

    /// <summary>The libraries a 64-bit little-endian ELF file names and the GLIBC_x.y versions it needs.</summary>
    internal static (IReadOnlyList<string> Libraries, IReadOnlyList<Version> GlibcVersions) Read(ReadOnlySpan<byte> elf, string name)
    {
        if (elf.Length < 64 || !elf[..4].SequenceEqual("\u007fELF"u8) || elf[4] != 2 || elf[5] != 1)
        {
            throw new ConfigurationException("bundling", $"{name} is not a 64-bit little-endian ELF executable, which Lambda runs");
        }

        var sectionsAt = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]));
        var sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        var sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        var sections = new List<Section>(sectionCount);
        for (var i = 0; i < sectionCount; i++)
        {
            sections.Add(Section.At(elf, sectionsAt + (i * sectionSize)));
        }

        var libraries = new List<string>();
        var versions = new List<Version>();
        foreach (var section in sections)
        {
            var strings = sections[(int)section.Link];
            if (section.Type == SectionDynamic)
            {
                for (var at = section.Offset; at + 16 <= section.Offset + section.Size; at += 16)
                {
                    if (BinaryPrimitives.ReadInt64LittleEndian(elf[at..]) == DynamicNeeded)
                    {
                        libraries.Add(StringAt(elf, strings, BinaryPrimitives.ReadUInt64LittleEndian(elf[(at + 8)..])));
                    }
                }
            }
            else if (section.Type == SectionGnuVersionNeeds)
            {
                // Elf64_Verneed entries (vn_cnt at 2, vn_aux at 8, vn_next at 12), each with vn_cnt Elf64_Vernaux (vna_name at 8, vna_next at 12).
                var need = section.Offset;
                for (var i = 0; i < section.Info; i++)
                {
                    var auxiliaries = BinaryPrimitives.ReadUInt16LittleEndian(elf[(need + 2)..]);
                    var auxiliary = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(need + 8)..]);
                    for (var j = 0; j < auxiliaries; j++)
                    {
                        var version = StringAt(elf, strings, BinaryPrimitives.ReadUInt32LittleEndian(elf[(auxiliary + 8)..]));
                        if (version.StartsWith("GLIBC_", StringComparison.Ordinal) && Version.TryParse(version["GLIBC_".Length..], out var parsed))
                        {
                            versions.Add(parsed);
                        }

                        auxiliary += (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(auxiliary + 12)..]);
                    }

                    need += (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(need + 12)..]);
                }
            }
        }

        return (libraries, versions);
    }

    private static string StringAt(ReadOnlySpan<byte> elf, Section table, ulong offset)
    {
        var start = table.Offset + checked((int)offset);
        var length = elf[start..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(elf.Slice(start, length));
    }

    /// <summary>The fields of an Elf64_Shdr this check reads.</summary>
    private readonly record struct Section(uint Type, int Offset, int Size, uint Link, uint Info)
    {
        public static Section At(ReadOnlySpan<byte> elf, int at) => new(
            BinaryPrimitives.ReadUInt32LittleEndian(elf[(at + 4)..]),
            checked((int)BinaryPrimitives.ReadUInt64LittleEndian(elf[(at + 24)..])),
            checked((int)BinaryPrimitives.ReadUInt64LittleEndian(elf[(at + 32)..])),
            BinaryPrimitives.ReadUInt32LittleEndian(elf[(at + 40)..]),
            BinaryPrimitives.ReadUInt32LittleEndian(elf[(at + 44)..]));
    }
}
