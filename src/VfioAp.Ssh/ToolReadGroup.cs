using System;
using System.Collections.Generic;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Ssh
{
    /// <summary>
    /// One group of files the read script hands to grep (a P record: the same members in each of the D directories
    /// that follow), matched against what grep printed. grep prints the files in the order asked and says nothing
    /// of an empty file, so each file it skipped is a gap: a later grep message names the failed ones (and, by
    /// their place, the empty ones before them); the gaps left at the group's end were empty files.
    /// </summary>
    internal sealed class ToolReadGroup
    {
        private string[] _members = Array.Empty<string>();
        private readonly List<string> _dirs = new List<string>();
        private int _expMember;
        private int _expDir;
        private readonly List<(int Member, int Dir)> _gaps = new List<(int, int)>();
        private int _gapPos;

        /// <summary>True between the P record and the F section: D records add the group's directories.</summary>
        public bool Collecting { get; private set; }

        /// <summary>A P record: the member names, separated by '/'.</summary>
        public void Begin(string members)
        {
            _members = members.Split('/');
            _dirs.Clear();
            Collecting = true;
        }

        public void AddDirectory(string dir) => _dirs.Add(dir);

        /// <summary>The F section begins: grep's records follow, in the order the files were asked for.</summary>
        public void StartFiles()
        {
            Collecting = false;
            _expMember = 0;
            _expDir = 0;
            _gaps.Clear();
            _gapPos = 0;
        }

        /// <summary>grep printed <paramref name="path"/>: the files before it that it skipped are gaps. False when the group never asked for it.</summary>
        public bool Expect(string path)
        {
            while (_expMember < _members.Length && _dirs.Count > 0)
            {
                bool match = IsPath(path, _dirs[_expDir], _members[_expMember]);
                if (!match) _gaps.Add((_expMember, _expDir));
                Step();
                if (match) return true;
            }
            return false;
        }

        /// <summary>The F section ended: every file asked for and not yet seen is a gap (empty, missing, or one grep has a message for).</summary>
        public void EndFiles()
        {
            while (_expMember < _members.Length && _dirs.Count > 0)
            {
                _gaps.Add((_expMember, _expDir));
                Step();
            }
        }

        /// <summary>grep has a message for <paramref name="path"/>: the gaps before it were empty files; the path's own gap is settled by the message.</summary>
        public void MessageFor(string path, List<SysfsEntry> entries)
        {
            int k = _gapPos;
            while (k < _gaps.Count && !IsPath(path, _dirs[_gaps[k].Dir], _members[_gaps[k].Member])) k++;
            if (k < _gaps.Count)
            {
                for (; _gapPos < k; _gapPos++) AddEmpty(_gaps[_gapPos], entries);
                _gapPos = k + 1;
            }
        }

        /// <summary>The end of grep's messages: the gaps left were empty files.</summary>
        public void End(List<SysfsEntry> entries)
        {
            for (; _gapPos < _gaps.Count; _gapPos++) AddEmpty(_gaps[_gapPos], entries);
            _gaps.Clear();
        }

        private void Step()
        {
            if (++_expDir == _dirs.Count)
            {
                _expDir = 0;
                _expMember++;
            }
        }

        private void AddEmpty((int Member, int Dir) gap, List<SysfsEntry> entries) =>
            entries.Add(new SysfsEntry(string.Concat(_dirs[gap.Dir], "/", _members[gap.Member]), SysfsQueryKind.Content, "", Errno.None));

        private static bool IsPath(string path, string dir, string member) =>
            path.Length == dir.Length + 1 + member.Length && path[dir.Length] == '/' &&
            string.CompareOrdinal(path, 0, dir, 0, dir.Length) == 0 &&
            string.CompareOrdinal(path, dir.Length + 1, member, 0, member.Length) == 0;
    }
}
