"""Word lists for reading names in Peruvian Spanish: given names, common surnames, and the words around names.

Pure data and lookups, no Django, folded like linking.normalise.fold (lower case, no
accents, "ñ" as "n"). Written for this project from general knowledge of Peruvian
naming: the lists are public knowledge, hold no person, and only tell the extractor
that a word is usually a first name, and the matcher how common a surname is (a
shared "Quispe" alone is weak evidence; a shared "Ccallo" is not). The extractor's
other words live here too: what ends a name, what is never one, and the ranks,
titles and role words before a name with the role each gives.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


# Given names common in Peru (Spanish, Quechua and Aymara, and the usual English-derived ones), folded.
GIVEN_NAMES = frozenset(
    _words(
        """
    aaron abel abelardo abigail abraham ada adan adela adelaida adolfo adrian adriana agustin agustina
    aida alan alba alberto albina alcides alejandra alejandro alejo alex alexander alexis alfonso alfredo
    alicia alina alipio alison alvaro amado amalia amanda amelia america amparo ana anabel anais anastasia
    andrea andres angel angela angelica angelo anibal antonia antonio apolinar ariana armando arnold
    arturo augusto aurelio aurora beatriz benedicto benigno benito benjamin bernardo bertha blanca
    brayan briggitte bruno camila candelaria carla carlos carmen carolina catalina cecilia celestino
    celia cesar charo christian cinthia clara claudia clemente concepcion consuelo cristian cristina
    cristobal cusi dalia damaso daniel daniela dante dario david debora delia demetrio denis diana
    diego dina dionisio domingo dora doris edgar edith edson eduardo edwin efrain elena eleuterio eli
    elias elizabeth elmer elsa elvira emilio enrique erick erika ernesto esperanza esteban estela
    eugenia eugenio eusebio eva evelyn ezequiel fabian fabiola fausto federico felipe felix fernando
    fidel flor florencio flora francisca francisco franco freddy gabriel gabriela genaro gerardo
    german gilberto gina giovanna gladys gloria gonzalo graciela gregorio guadalupe guido guillermo
    gustavo hector heraclio herbert hermogenes hernan hilario hilda hipolito homero hugo humberto
    ignacio ines inti irene iris isaac isabel ismael israel ivan jack jaime janet javier jefferson
    jesus jhon jhonatan jimena joaquin joel jonathan jorge jose josefina josue juan juana julia
    julian juliana julio justo karen karina katherine kevin lidia liliana lizbeth lorena lourdes
    lucas lucia luciano lucio luis luisa luz magaly manuel manuela marco marcos margarita maria
    mariano maribel maricela marina mario marisol marleny marta martha martin mateo matias mauricio
    maximo mayra melissa mercedes miguel milagros miriam moises monica nancy natalia nelly nelson
    nicanor nicolas noemi norma octavio olga omar orlando oscar pablo pamela pascual patricia patricio
    paul paula paulina pedro percy pilar rafael ramiro ramon raul rebeca reynaldo ricardo rigoberto
    rita roberto rocio rodolfo rodrigo rogelio rolando romulo rosa rosario ruben ruth sabino samuel
    sandra santiago santos sara saul sebastian segundo sergio silvia simon sofia sonia susana teodoro
    teresa tito tomas ursula valentin valeria vanessa vicente victor victoria vilma violeta virginia
    walter washington wilber wilfredo william wilmer wilson yanet yessica yolanda yuri zenon zoila
        """
    )
)

# Surnames by how common they are in Peru, most common first (an approximate public ranking). The matcher
# turns the rank into a prior weight: the first ones are shared by hundreds of thousands of people.
COMMON_SURNAMES: tuple[str, ...] = tuple(
    _words(
        """
    quispe flores sanchez rodriguez garcia huaman mamani rojas chavez diaz ramos lopez torres
    vasquez mendoza gonzales perez castillo ramirez gutierrez espinoza vargas cruz condori
    fernandez silva salazar gomez hernandez romero reyes ruiz herrera martinez morales alvarez
    medina castro aguilar jimenez cardenas ortiz rivera ccahuana ticona apaza choque coaquira
    vilca huamani cordova soto nunez ramos leon paredes palomino cabrera mendez navarro campos
    ponce villanueva aguirre zapata miranda cabello benites tapia farfan rios julca cusi
    palacios guzman delgado ventura carrasco pinedo arias yupanqui ayala cahuana carhuamaca
    gamarra valdivia ortega bautista toledo luna vega villegas alarcon poma sulca llanos
    calderon cardozo avila lozano santos molina guerrero neyra
    ochoa pinedo tello quiroz yauri huarcaya chumpitaz salas sosa valverde velasquez zuniga acosta
    ascencio aquino arce becerra cabanillas caceres canales carbajal cueva cornejo davila dominguez
    escobar estrada figueroa galvez guevara hidalgo huanca huertas inga jara lazo leiva loayza lujan
    macedo maldonado mejia montoya munoz olivera orihuela pacheco padilla pariona paucar peralta
    pizarro quintana reategui rengifo rivas salinas saavedra solis suarez tarazona tineo tucto urbina
    ugarte valdez valencia villalobos zegarra
        """
    )
)
_SURNAME_RANK = {name: rank for rank, name in enumerate(dict.fromkeys(COMMON_SURNAMES))}


# More given names and surnames the extractor should recognise, not ranked (Quechua and Aymara surnames in
# their several spellings, given names common in Peru and missing above).
MORE_GIVEN_NAMES = frozenset(
    _words(
        """
    kelly johana johanna yesenia yessenia roxana mariela lizeth katty wendy nelida yaneth yanet jhony
    jhonny jhoel brenda sheyla shirley leslie lesly deysi deisy elvis jhimy jimmy jaime yonatan
    yonathan rudy gianella giuliana fiorella nilda noelia ruth rut zaida kathia elizabeth betty
    """
    )
)
MORE_SURNAMES = frozenset(
    _words(
        """
    cori ccori qori kori waman guaman huamani huanca wanka kispe quisbert ttito tito cusi kusi
    ccallo callo mamani chambi choquehuanca quispe yupanqui pari hancco ancco cutipa luque jara
    pacco paco sonco sonqo ccama cama puma pumacahua tupa tupac inca huaraca taipe huillca
    """
    )
)


def is_given_name(folded: str) -> bool:
    """Return whether a folded word is a common given name ("juan", "maria", "wilber")."""
    return folded in GIVEN_NAMES or folded in MORE_GIVEN_NAMES


def is_surname(folded: str) -> bool:
    """Return whether a folded word is a known surname, common or not ("quispe", "ccori")."""
    return folded in _SURNAME_RANK or folded in MORE_SURNAMES


def surname_rank(folded: str) -> int | None:
    """Return how common a folded surname is (0 for the most common), or None if it is not among the common ones."""
    return _SURNAME_RANK.get(folded)


# Words that end a name or can never be one, folded: articles, prepositions, pronouns, the verbs and
# adverbs tips put right after a name ("el técnico quispe mamani recibe plata"), and common nouns and
# adjectives that follow a rank ("el técnico nuevo", "el sargento de turno").
NAME_STOPWORDS = frozenset(
    _words(
        """
    a al algo alli alla aqui aca ahi ante asi aun bajo cada casi como con contra cual cuando cuanto de
    del desde donde durante e el ella ellas ellos en entre era eran es esa esas ese eso esos esta estas
    este esto estos fue fueron ha han hasta hay la las le les lo los luego mas me mi mis muy nada ni no
    nos o otra otro otros otras para pero por porque pues que quien quienes se sea segun ser si sin
    sobre solo su sus tambien tan te todo toda todos todas tras tu u un una uno unos unas usted ya y
    yo siempre nunca tampoco ademas entonces despues antes ahora hoy ayer manana anoche mismo misma
    recibe reciben recibia recibio cobra cobran cobraba cobro deja dejan dejaba dejo pasa pasan pasaba
    paso vende venden vendia vendio trae traen traia trajo lleva llevan llevaba llevo ingresa ingresan
    ingresaba ingreso entra entran entraba entro sale salen salia salio esta estan estaba estuvo tiene
    tienen tenia tuvo hace hacen hacia hizo dice dicen decia dijo da dan daba dio pide piden pedia pidio
    exige exigen exigia exigio amenaza amenazan amenazo golpea golpeo maltrata permite permiten permitia
    facilita facilitan vive trabaja trabajan trabajaba es son era sabe saben sabia conoce encubre
    cubre protege mete meten metia metio saca sacan sacaba saco tira tiran tiro lanza lanzan lanzo
    lanzaba abre abren abria abrio cierra controla maneja manejan manejaba coordina organiza
    distribuye reparte vendiendo cobrando recibiendo pasando junto tambien quien cual puede pueden
    podria va van iba iban fue viene vienen venia vino llega llegan llegaba llego quiere quieren
    quien sera seria habria habia hubo estaria tendria hara ira esta siendo sido estado
    nuevo nueva antiguo antigua mayor menor gordo gorda flaco alto baja bajo joven viejo otro
    turno guardia servicio seguridad encargado encargada responsable jefe jefa
    tecnico tecnica tecnicos sargento sargentos agente agentes alcaide interno interna internos
    senor senora don dona visita visitante visitas ppl reo preso presa recluso reclusa personal
    policia policias efectivo efectivos inpe penal carcel establecimiento pabellon modulo puerta
    celda patio torre muro penitenciario penitenciaria
    celular celulares droga drogas plata dinero soles dolares chip chips cupo coima pago
    paga pagan pagaba pagaban guarda guardan guardaba esconde esconden escondia manda mandan mandaba
    envia envian enviaba consigue consiguen compra compran compraba recoge recogen negocia extorsiona
    extorsionan roba roban agrede abusa ofrece ofrecen avisa avisan ayuda ayudan deja cuida cuidan
    vigila duerme tenia llama llaman llamo contacta contactan trafica trafican provee dirige
    cada semana mes dia dias vez veces hora horas recien sola bien mal poco mucho mucha muchos muchas
    varios varias algunos algunas ningun ninguna cualquier demas aquel aquella encima debajo afuera adentro
    dentro fuera cerca lejos moreno morena blanco blanca gordito flaquito chiquito pelado barbon colorado
    regional nacional general adjunto adjunta central principal
    dni documento ruc numero telefono placa nro vez cual alias apodado apodada apodo conocido conocida dicen llaman nombre apellido
        """
    )
)

# Capitalised words and phrases that are never a person: the calendar, institutions, and the
# facilities and towns tips name ("Lurigancho", "Penal de Ancón", "Castro Castro").
NOT_PERSON_WORDS = frozenset(
    _words(
        """
    enero febrero marzo abril junio agosto septiembre setiembre octubre noviembre diciembre
    lunes martes miercoles jueves viernes sabado
    inpe pnp dios virgen jesucristo penal penales establecimiento carcel peru lima callao
    lurigancho ancon chorrillos huaral canete chincha tacna puno cusco cuzco arequipa
    trujillo chiclayo piura tumbes huancayo ayacucho huanuco cajamarca iquitos pucallpa tarapoto
    juliaca challapalca huacariz quencoro socabaya pocollay picsi
    fiscalia ministerio whatsapp facebook yape plin bcp interbank
    """
    )
)
# Phrases of more than one word that are facilities, districts or saints, folded: a name run holding one is no person.
NOT_PERSON_PHRASES = frozenset(
    {"castro castro", "sarita colonia", "santa monica", "piedras gordas", "cristo rey", "santa rosa", "jesus maria"}
    | {
        "castro castro",
        "san juan",
        "villa maria",
        "santa anita",
        "san martin",
        "miguel grau",
        "virgen maria",
        "jose galvez",
    }
)


_STAFF, _VISITOR, _INMATE, _OTHER = "staff", "visitor", "inmate", "other"  # linking.models.PersonRole values
# Folded title, rank and role words before a name, with the role they give. "strong" ones also take a
# name written in lower case ("el técnico quispe"); the others ("la visita", "don") only a capitalised one.
TITLE_ROLES: dict[str, tuple[str, bool]] = {
    **dict.fromkeys(
        (
            *("tecnico", "tecnica", "tco", "tec", "sargento", "sgto", "sgt", "sgte", "suboficial", "subof", "so"),
            *(
                "alcaide",
                "agente",
                "capitan",
                "cap",
                "teniente",
                "tnte",
                "tte",
                "brigadier",
                "cabo",
                "comandante",
                "oficial",
            ),
            *("cmdte", "guardia", "vigilante", "custodio", "policia", "director", "directora"),
            *("subdirector", "subdirectora", "jefe", "jefa", "seguridad", "inpe", "servidor", "servidora"),
            *("trabajador", "trabajadora", "funcionario", "funcionaria", "personal", "administrativo"),
            *("medico", "enfermero", "enfermera", "psicologo", "psicologa", "asistenta", "obstetra"),
        ),
        (_STAFF, True),
    ),
    **dict.fromkeys(
        ("interno", "interna", "ppl", "reo", "rea", "recluso", "reclusa", "preso", "presa", "delegado", "delegada"),
        (_INMATE, True),
    ),
    **dict.fromkeys(("visita", "visitante"), (_VISITOR, False)),
    **dict.fromkeys(("efectivo",), (_STAFF, False)),  # "el efectivo Ramos", never "pagó en efectivo"
    **dict.fromkeys(
        (
            *("esposa", "esposo", "conviviente", "pareja", "mama", "madre", "padre", "papa", "hermana", "hermano"),
            *("hija", "hijo", "tia", "tio", "prima", "primo", "cunada", "cunado", "suegra", "novia", "enamorada"),
        ),
        (_VISITOR, False),
    ),
    **dict.fromkeys(
        (
            *("abogado", "abogada", "fiscal", "juez", "jueza", "chofer", "conductor", "taxista", "mototaxista"),
            *("proveedor", "proveedora", "cocinero", "cocinera", "encargado", "encargada", "vendedor"),
            *("vendedora",),
        ),
        (_OTHER, False),
    ),
    **dict.fromkeys(
        ("sr", "sra", "srta", "senor", "senora", "senorita", "don", "dona", "dr", "dra", "doctor", "doctora"),
        ("", False),
    ),
    # "un tal Chino", "una tal Rosa": someone the writer knows only by this name.
    **dict.fromkeys(("tal",), ("", True)),
    # "se llama Rosa".
    **dict.fromkeys(("llama",), ("", False)),
    **dict.fromkeys(("lic", "licenciado", "licenciada", "ing", "ingeniero", "ingeniera", "profesor"), ("", False)),
}
# Words between a title and its name: "agente penitenciario Ramos", "técnico del INPE Ramos".
TITLE_FILLERS = (
    ("penitenciario",),
    ("penitenciaria",),
    ("inpe",),
    ("del", "inpe"),
    ("de", "seguridad"),
    ("de", "turno"),
    ("de", "primera"),
    ("de", "segunda"),
    ("de", "tercera"),
    ("de", "apellido"),
    ("de", "nombre"),
    ("llamado",),
    ("llamada",),
    ("apellidado",),
    ("pnp",),
)

# Given names that are also everyday words: trusted without a title only beside another known name.
COMMON_WORD_NAMES = frozenset(
    {"rosa", "luz", "flor", "pilar", "rocio", "consuelo", "esperanza", "amparo", "aurora", "victoria", "justo"}
    | {"santos", "angel", "domingo", "segundo", "clemente", "america", "mercedes", "concepcion", "inti", "dina"}
)

# Words before a capitalised run that make it a street, a school or an office, not a person.
STREET_WORDS = frozenset(
    {"av", "avenida", "jr", "jiron", "calle", "ca", "psje", "pasaje", "urb", "urbanizacion", "prolongacion", "prol"}
    | {"colegio", "hospital", "estadio", "plaza", "parque", "mercado", "asentamiento", "ah", "distrito", "provincia"}
)


def is_name_stopword(folded: str) -> bool:
    """Return whether a folded word ends a name ("recibe", "del", "que") or is never part of one."""
    return folded in NAME_STOPWORDS


# Business nouns that open a trade name ("Distribuidora Santa Rosa", "bodega Don Lucho"). The extractor
# keeps them in the value as written; linking.normalise.company_parts splits them off, so that "la
# distribuidora Santa Rosa" and the proveedor "Santa Rosa" meet blind while "Panadería Santa Rosa" does not.
TRADE_NOUNS = (
    *("distribuidora", "transportes", "panaderia", "bodega", "restaurante", "restaurant", "comercial"),
    *("inversiones", "tienda", "ferreteria", "minimarket", "botica", "farmacia", "grifo", "agencia"),
    *("importadora", "constructora", "multiservicios", "servicios", "corporacion", "consorcio", "chifa"),
    *("polleria", "cevicheria", "libreria", "inmobiliaria", "agroindustrias", "industrias", "negociaciones"),
    *("pasteleria", "licoreria", "carniceria", "avicola", "distribuciones", "importaciones"),
    *("representaciones", "bazar", "hostal", "encomiendas", "courier"),
)
