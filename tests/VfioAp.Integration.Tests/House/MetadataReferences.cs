using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace VfioAp.Integration.Tests.House
{
    /// <summary>A type another type names, with the assembly and namespace it lives in.</summary>
    public sealed record TypeTarget(string Assembly, string Namespace, string Name)
    {
        public string FullName => Namespace.Length == 0 ? Name : Namespace + "." + Name;
    }

    /// <summary>
    /// One place where a type of an assembly names another type: in its base type, an interface, an attribute, a field,
    /// a signature, a local, or an instruction of a method body (a call, <c>newobj</c>, <c>typeof</c>, a cast…).
    /// <see cref="FromNamespace"/> is the namespace of the outermost declaring type (a lambda's closure class belongs to
    /// the type whose method wrote the lambda).
    /// </summary>
    public sealed record TypeUse(string Assembly, string FromNamespace, string FromType, string Member, TypeTarget Target)
    {
        public override string ToString() => $"{FromType}.{Member} uses {Target.FullName} ({Target.Assembly})";
    }

    /// <summary>
    /// Reads every type reference of a compiled assembly from its metadata (System.Reflection.Metadata): signatures,
    /// attributes, and each token the IL of every method body carries. Nothing is loaded or run.
    /// </summary>
    public static class MetadataReferences
    {
        public static IReadOnlyList<TypeUse> Read(string assemblyPath)
        {
            using var stream = File.OpenRead(assemblyPath);
            return Read(stream);
        }

        public static IReadOnlyList<TypeUse> Read(Stream assembly)
        {
            using var pe = new PEReader(assembly, PEStreamOptions.LeaveOpen);
            var walker = new Walker(pe);
            walker.All();
            return walker.Uses;
        }

        private sealed class Walker : ISignatureTypeProvider<ImmutableArray<TypeTarget>, object?>
        {
            private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
                .GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => (OpCode)f.GetValue(null)!)
                .ToDictionary(o => o.Value, o => o.OperandType);

            private readonly PEReader _pe;
            private readonly MetadataReader _md;
            private readonly string _assembly;
            private string _fromNamespace = "", _fromType = "", _member = "";
            private string? _generated;

            public Walker(PEReader pe)
            {
                _pe = pe;
                _md = pe.GetMetadataReader();
                _assembly = _md.GetString(_md.GetAssemblyDefinition().Name);
            }

            public List<TypeUse> Uses { get; } = new List<TypeUse>();

            public void All()
            {
                foreach (var h in _md.TypeDefinitions)
                {
                    var type = _md.GetTypeDefinition(h);
                    if (_md.GetString(type.Name) == "<Module>") continue;
                    // A closure, lambda cache or state machine the compiler made is reported as its written type.
                    var owner = h;
                    _generated = null;
                    while (_md.GetString(_md.GetTypeDefinition(owner).Name).StartsWith("<", StringComparison.Ordinal)
                           && !_md.GetTypeDefinition(owner).GetDeclaringType().IsNil)
                    {
                        _generated ??= _md.GetString(_md.GetTypeDefinition(owner).Name);
                        owner = _md.GetTypeDefinition(owner).GetDeclaringType();
                    }
                    var self = Target(owner);
                    _fromNamespace = self.Namespace;
                    _fromType = self.FullName;
                    Type(type);
                }
            }

            private void Type(TypeDefinition type)
            {
                _member = "(base type)";
                if (!type.BaseType.IsNil) Add(Entity(type.BaseType));
                _member = "(interfaces)";
                foreach (var i in type.GetInterfaceImplementations()) Add(Entity(_md.GetInterfaceImplementation(i).Interface));
                _member = "(attributes)";
                Attributes(type.GetCustomAttributes());
                GenericConstraints(type.GetGenericParameters());
                foreach (var f in type.GetFields())
                {
                    var field = _md.GetFieldDefinition(f);
                    _member = _md.GetString(field.Name);
                    Add(field.DecodeSignature(this, null));
                    Attributes(field.GetCustomAttributes());
                }
                foreach (var p in type.GetProperties())
                {
                    var property = _md.GetPropertyDefinition(p);
                    _member = _md.GetString(property.Name);
                    var sig = property.DecodeSignature(this, null);
                    Add(sig.ReturnType);
                    foreach (var x in sig.ParameterTypes) Add(x);
                    Attributes(property.GetCustomAttributes());
                }
                foreach (var e in type.GetEvents())
                {
                    var ev = _md.GetEventDefinition(e);
                    _member = _md.GetString(ev.Name);
                    Add(Entity(ev.Type));
                    Attributes(ev.GetCustomAttributes());
                }
                foreach (var m in type.GetMethods()) Method(_md.GetMethodDefinition(m));
            }

            private void Method(MethodDefinition method)
            {
                _member = _md.GetString(method.Name);
                var sig = method.DecodeSignature(this, null);
                Add(sig.ReturnType);
                foreach (var p in sig.ParameterTypes) Add(p);
                Attributes(method.GetCustomAttributes());
                foreach (var p in method.GetParameters()) Attributes(_md.GetParameter(p).GetCustomAttributes());
                GenericConstraints(method.GetGenericParameters());
                if (method.RelativeVirtualAddress == 0) return;
                var body = _pe.GetMethodBody(method.RelativeVirtualAddress);
                if (!body.LocalSignature.IsNil)
                    foreach (var local in _md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(this, null)) Add(local);
                foreach (var region in body.ExceptionRegions)
                    if (!region.CatchType.IsNil) Add(Entity(region.CatchType));
                Instructions(body.GetILBytes()!);
            }

            /// <summary>Each token an instruction carries (types, methods, fields): what the method body names.</summary>
            private void Instructions(byte[] il)
            {
                int i = 0;
                while (i < il.Length)
                {
                    short code = il[i++];
                    if (code == 0xFE) code = unchecked((short)(0xFE00 | il[i++]));
                    var operand = Operands[code];
                    switch (operand)
                    {
                        case OperandType.InlineNone: break;
                        case OperandType.ShortInlineBrTarget: case OperandType.ShortInlineI: case OperandType.ShortInlineVar: i += 1; break;
                        case OperandType.InlineVar: i += 2; break;
                        case OperandType.InlineI8: case OperandType.InlineR: i += 8; break;
                        case OperandType.InlineSwitch: i += 4 + 4 * BitConverter.ToInt32(il, i); break;
                        case OperandType.InlineField: case OperandType.InlineMethod: case OperandType.InlineTok: case OperandType.InlineType:
                            Add(Token(BitConverter.ToInt32(il, i)));
                            i += 4;
                            break;
                        default: i += 4; break; // InlineI, InlineBrTarget, InlineString, InlineSig, ShortInlineR
                    }
                }
            }

            private ImmutableArray<TypeTarget> Token(int token)
            {
                var handle = MetadataTokens.EntityHandle(token);
                switch (handle.Kind)
                {
                    case HandleKind.MethodDefinition:
                        var def = _md.GetMethodDefinition((MethodDefinitionHandle)handle);
                        return ImmutableArray.Create(Target(def.GetDeclaringType()));
                    case HandleKind.FieldDefinition:
                        return ImmutableArray.Create(Target(_md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType()));
                    case HandleKind.MemberReference:
                        var member = _md.GetMemberReference((MemberReferenceHandle)handle);
                        var parent = member.Parent.Kind == HandleKind.MethodDefinition
                            ? ImmutableArray.Create(Target(_md.GetMethodDefinition((MethodDefinitionHandle)member.Parent).GetDeclaringType()))
                            : member.Parent.Kind == HandleKind.ModuleReference ? ImmutableArray<TypeTarget>.Empty : Entity(member.Parent);
                        if (member.GetKind() == MemberReferenceKind.Field) return parent.AddRange(member.DecodeFieldSignature(this, null));
                        var sig = member.DecodeMethodSignature(this, null);
                        return parent.AddRange(sig.ReturnType).AddRange(sig.ParameterTypes.SelectMany(p => p));
                    case HandleKind.MethodSpecification:
                        var spec = _md.GetMethodSpecification((MethodSpecificationHandle)handle);
                        return Token(MetadataTokens.GetToken(spec.Method)).AddRange(spec.DecodeSignature(this, null).SelectMany(p => p));
                    default:
                        return Entity(handle);
                }
            }

            private void Attributes(CustomAttributeHandleCollection attributes)
            {
                foreach (var a in attributes)
                {
                    var ctor = _md.GetCustomAttribute(a).Constructor;
                    Add(ctor.Kind == HandleKind.MethodDefinition
                        ? ImmutableArray.Create(Target(_md.GetMethodDefinition((MethodDefinitionHandle)ctor).GetDeclaringType()))
                        : Entity(_md.GetMemberReference((MemberReferenceHandle)ctor).Parent));
                }
            }

            private void GenericConstraints(GenericParameterHandleCollection parameters)
            {
                foreach (var p in parameters)
                    foreach (var c in _md.GetGenericParameter(p).GetConstraints())
                        Add(Entity(_md.GetGenericParameterConstraint(c).Type));
            }

            private void Add(ImmutableArray<TypeTarget> targets)
            {
                var member = _generated is null ? _member : Written(_generated, _member);
                foreach (var t in targets) Uses.Add(new TypeUse(_assembly, _fromNamespace, _fromType, member, t));
            }

            /// <summary>The written member a compiler-generated one stands for (<c>&lt;Fan&gt;b__43_1</c>: a lambda in Fan).</summary>
            private static string Written(string generatedType, string member)
            {
                var inMember = Regex.Match(member, "^<([^>]+)>(.)");
                if (inMember.Success) return inMember.Groups[1].Value + (inMember.Groups[2].Value == "g" ? " (local function)" : " (lambda)");
                var machine = Regex.Match(generatedType, "^<([^>]+)>d__");
                if (machine.Success) return machine.Groups[1].Value + " (iterator or async)";
                return member.StartsWith("<>9", StringComparison.Ordinal) ? "(a cached lambda)" : $"(a closure's {member})";
            }

            private ImmutableArray<TypeTarget> Entity(EntityHandle handle) => handle.Kind switch
            {
                HandleKind.TypeDefinition => ImmutableArray.Create(Target((TypeDefinitionHandle)handle)),
                HandleKind.TypeReference => ImmutableArray.Create(Target((TypeReferenceHandle)handle)),
                HandleKind.TypeSpecification => _md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null),
                _ => ImmutableArray<TypeTarget>.Empty,
            };

            private TypeTarget Target(TypeDefinitionHandle handle)
            {
                var type = _md.GetTypeDefinition(handle);
                var declaring = type.GetDeclaringType();
                if (declaring.IsNil) return new TypeTarget(_assembly, _md.GetString(type.Namespace), _md.GetString(type.Name));
                var outer = Target(declaring);
                return outer with { Name = outer.Name + "+" + _md.GetString(type.Name) };
            }

            private TypeTarget Target(TypeReferenceHandle handle)
            {
                var type = _md.GetTypeReference(handle);
                var scope = type.ResolutionScope;
                if (scope.Kind == HandleKind.TypeReference)
                {
                    var outer = Target((TypeReferenceHandle)scope);
                    return outer with { Name = outer.Name + "+" + _md.GetString(type.Name) };
                }
                var assembly = scope.Kind == HandleKind.AssemblyReference
                    ? _md.GetString(_md.GetAssemblyReference((AssemblyReferenceHandle)scope).Name)
                    : _assembly;
                return new TypeTarget(assembly, _md.GetString(type.Namespace), _md.GetString(type.Name));
            }

            // ISignatureTypeProvider: a signature names the types it is made of.
            public ImmutableArray<TypeTarget> GetPrimitiveType(PrimitiveTypeCode typeCode) => ImmutableArray<TypeTarget>.Empty;
            public ImmutableArray<TypeTarget> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => ImmutableArray.Create(Target(handle));
            public ImmutableArray<TypeTarget> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => ImmutableArray.Create(Target(handle));
            public ImmutableArray<TypeTarget> GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
                reader.GetTypeSpecification(handle).DecodeSignature(this, context);
            public ImmutableArray<TypeTarget> GetSZArrayType(ImmutableArray<TypeTarget> elementType) => elementType;
            public ImmutableArray<TypeTarget> GetArrayType(ImmutableArray<TypeTarget> elementType, ArrayShape shape) => elementType;
            public ImmutableArray<TypeTarget> GetByReferenceType(ImmutableArray<TypeTarget> elementType) => elementType;
            public ImmutableArray<TypeTarget> GetPointerType(ImmutableArray<TypeTarget> elementType) => elementType;
            public ImmutableArray<TypeTarget> GetPinnedType(ImmutableArray<TypeTarget> elementType) => elementType;
            public ImmutableArray<TypeTarget> GetGenericInstantiation(ImmutableArray<TypeTarget> genericType, ImmutableArray<ImmutableArray<TypeTarget>> typeArguments) =>
                genericType.AddRange(typeArguments.SelectMany(a => a));
            public ImmutableArray<TypeTarget> GetGenericMethodParameter(object? genericContext, int index) => ImmutableArray<TypeTarget>.Empty;
            public ImmutableArray<TypeTarget> GetGenericTypeParameter(object? genericContext, int index) => ImmutableArray<TypeTarget>.Empty;
            public ImmutableArray<TypeTarget> GetModifiedType(ImmutableArray<TypeTarget> modifier, ImmutableArray<TypeTarget> unmodifiedType, bool isRequired) =>
                modifier.AddRange(unmodifiedType);
            public ImmutableArray<TypeTarget> GetFunctionPointerType(MethodSignature<ImmutableArray<TypeTarget>> signature) =>
                signature.ReturnType.AddRange(signature.ParameterTypes.SelectMany(p => p));
        }
    }
}
